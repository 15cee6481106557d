from meeting_app import create_app

app = create_app()
