"""One copy of each font in a print of badges drawn ahead.

Each badge drawn ahead is a PDF of its own (badges.py), with its own subset of each
font: only the glyphs of its own name. Placed side by side, a thousand badges would
carry two thousand fonts (10 MB), where the same badges drawn together carry one
subset of each font. So a print merges the subsets back into one font each.

That is sound for what WeasyPrint writes, and checked font by font: Type0 fonts
(Identity-H) over a TrueType CIDFont whose CIDs are glyph ids (CIDToGIDMap
Identity), subset by HarfBuzz keeping each glyph at its id in the whole font
(HB_SUBSET_FLAGS_RETAIN_GIDS). Two subsets of the same font then agree wherever both
have a glyph: the merged font holds every glyph either has, at the same ids, and
draws every badge as its own subset did. They are merged only when they agree on
every glyph both have (its outline, width and text), so subsets of two different
fonts that happen to share a name never mix: each group of agreeing subsets makes
one font. Anything else (another kind of font, an encoding with a CMap of its own,
a ToUnicode this does not read) is copied as it is, one per badge, as before.
"""

import hashlib
import re
import struct
from dataclasses import dataclass, field

import pikepdf

from meeting_app.documents.pdf import own_streams

# Tables made anew for the merged font (see _program), or folded from every subset's
# (head, hhea, maxp: see _FOLDED), or taken from the first subset (OS/2, whose
# character ranges a subset narrows, and post's header); tables of glyph ids for
# laying out text (GDEF ...), which a PDF viewer never reads, are dropped. The
# remaining ones (name, gasp ...) describe the whole font: they must be the same.
_REBUILT = {b"glyf", b"loca", b"hmtx", b"cmap", b"head", b"hhea", b"maxp", b"post", b"OS/2"}
_DROPPED = {b"GDEF", b"GSUB", b"GPOS", b"MATH", b"BASE", b"JSTF", b"kern", b"hdmx", b"LTSH"}
_DROPPED |= {b"VDMX"}
# Fields of head, hhea and maxp that depend on the glyphs a subset holds: (offset,
# struct format, how two subsets' values make the merged one's).
_FOLDED = {
    b"head": [(36, ">h", min), (38, ">h", min), (40, ">h", max), (42, ">h", max)],  # bbox
    b"hhea": [(10, ">H", max), (12, ">h", min), (14, ">h", min), (16, ">h", max)],
    b"maxp": [(offset, ">H", max) for offset in range(6, 32, 2)],  # maxPoints ... (1.0)
}
# The parts of head and hhea that are the whole font's: unitsPerEm; ascender,
# descender and line gap.
_WHOLE = {b"head": (18, 20), b"hhea": (4, 10)}
_DESCRIPTOR_KEYS = ("/FontName", "/FontFamily", "/ItalicAngle", "/Ascent", "/Descent")
_DESCRIPTOR_KEYS += ("/CapHeight", "/StemV", "/StemH", "/Flags", "/FontBBox")


class NotMergeable(ValueError):
    """A font this module does not merge: it is copied as it is."""


@dataclass
class _Subset:
    """What one badge's subset of a font holds."""

    key: tuple
    tables: dict[bytes, bytes]
    glyphs: dict[int, bytes]  # glyph id → outline, for the glyphs it has
    metrics: dict[int, tuple[int, int]]  # glyph id → advance, left side bearing
    widths: dict[int, float]  # CID (= glyph id) → width, as /W gives it
    text: dict[int, str]  # CID → Unicode text, as /ToUnicode gives it
    descriptor: dict[str, object]  # its FontDescriptor's values, in Python


@dataclass
class _Merged:
    """One font of the print: the union of agreeing subsets."""

    font: pikepdf.Dictionary  # the Type0 font in the print, filled by SharedFonts.finish
    first: _Subset
    glyphs: dict[int, bytes] = field(default_factory=dict)
    metrics: dict[int, tuple[int, int]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)
    folded: dict[bytes, bytes] = field(default_factory=dict)  # head, hhea, maxp

    def agrees(self, subset: _Subset) -> bool:
        return all(
            _agree(mine, theirs)
            for mine, theirs in (
                (self.glyphs, subset.glyphs),
                (self.widths, subset.widths),
                (self.text, subset.text),
            )
        )

    def add(self, subset: _Subset) -> None:
        self.glyphs |= subset.glyphs
        self.metrics |= subset.metrics
        self.widths |= subset.widths
        self.text |= subset.text
        for tag, fields in _FOLDED.items():
            mine = bytearray(self.folded.get(tag, subset.tables[tag]))
            theirs = subset.tables[tag]
            for offset, kind, choose in fields:
                if offset + struct.calcsize(kind) <= min(len(mine), len(theirs)):
                    (a,), (b,) = (
                        struct.unpack_from(kind, mine, offset),
                        struct.unpack_from(kind, theirs, offset),
                    )
                    struct.pack_into(kind, mine, offset, choose(a, b))
            self.folded[tag] = bytes(mine)


def _agree(mine: dict, theirs: dict) -> bool:
    small, large = (mine, theirs) if len(mine) < len(theirs) else (theirs, mine)
    return all(large.get(key, value) == value for key, value in small.items())


class SharedFonts:
    """The fonts of a print being put together in `document`: `font(source_font)`
    gives the print's font to use for a badge's font (an indirect object of
    `document`); `finish()` writes the merged fonts before the print is saved."""

    def __init__(self, document: pikepdf.Pdf) -> None:
        self.document = document
        self.merged: dict[tuple, list[_Merged]] = {}
        # Subsets seen before, by what they hold: the line everyone has on their
        # badge (the meeting's title and dates) makes the same subset on each.
        self.seen: dict[bytes, pikepdf.Object] = {}

    def font(self, source: pikepdf.Object) -> pikepdf.Object:
        """Reads `source` (a font of a badge's page, in the badge's own PDF, which
        may be closed afterwards) now."""
        try:
            same = _fingerprint(source)
            if same in self.seen:
                return self.seen[same]
            subset = _read(source)
        except (NotMergeable, KeyError, AttributeError, TypeError, ValueError, struct.error):
            return _copied(self.document, source)
        self.seen[same] = self._merge(subset)
        return self.seen[same]

    def _merge(self, subset: _Subset) -> pikepdf.Object:
        groups = self.merged.setdefault(subset.key, [])
        for group in groups:
            if group.agrees(subset):
                group.add(subset)
                return group.font
        group = _Merged(self.document.make_indirect(pikepdf.Dictionary()), subset)
        group.add(subset)
        groups.append(group)
        return group.font

    def finish(self) -> None:
        for groups in self.merged.values():
            for group in groups:
                _write(self.document, group)


def _fingerprint(font: pikepdf.Object) -> bytes:
    """Equal for two copies of the same font: every value _read looks at."""
    (cid_font,) = font.DescendantFonts
    descriptor = cid_font.FontDescriptor

    def values(dictionary: pikepdf.Object, *but: str) -> bytes:
        return repr(sorted((k, v) for k, v in dictionary.items() if k not in but)).encode()

    parts = [
        values(font, "/DescendantFonts", "/ToUnicode"),
        values(cid_font, "/FontDescriptor"),
        values(descriptor, "/FontFile2"),
        values(descriptor.FontFile2.stream_dict, "/Length"),
        descriptor.FontFile2.read_raw_bytes(),
        font.ToUnicode.read_raw_bytes(),
    ]
    return hashlib.sha256(b"\0".join(parts)).digest()


def _copied(document: pikepdf.Pdf, source: pikepdf.Object) -> pikepdf.Object:
    copy = document.copy_foreign(source)
    own_streams(copy)
    return copy


def _read(font: pikepdf.Object) -> _Subset:
    if font.get("/Subtype") != pikepdf.Name.Type0 or font.get("/Encoding") != "/Identity-H":
        raise NotMergeable("not a Type0 font in Identity-H")
    (cid_font,) = font.DescendantFonts
    if cid_font.get("/Subtype") != "/CIDFontType2" or cid_font.get("/CIDToGIDMap") != "/Identity":
        raise NotMergeable("not a TrueType CIDFont whose CIDs are glyph ids")
    descriptor = cid_font.FontDescriptor
    if "/FontFile2" not in descriptor or "/CIDSet" in descriptor or "/DW" in cid_font:
        raise NotMergeable("no TrueType program, or a CIDSet or a default width")
    tables = _tables(descriptor.FontFile2.read_bytes())
    glyphs, metrics = _glyphs(tables)
    info = cid_font.CIDSystemInfo
    values = {k: _python(descriptor[k]) for k in _DESCRIPTOR_KEYS if k in descriptor}
    key = (
        str(font.BaseFont),
        (str(info.Registry), str(info.Ordering), int(info.Supplement)),
        # The descriptor's values but those WeasyPrint takes from the glyphs drawn.
        tuple((k, repr(v)) for k, v in values.items() if k not in ("/FontBBox", "/Flags")),
        # What describes the whole font, not its glyphs, must be the same.
        tuple(sorted((t, d) for t, d in tables.items() if t not in _REBUILT | _DROPPED)),
        tuple(tables[tag][start:end] for tag, (start, end) in _WHOLE.items()),
    )
    return _Subset(
        key,
        tables,
        glyphs,
        metrics,
        _widths(cid_font.W),
        _to_unicode(font.ToUnicode.read_bytes()),
        values,
    )


def _python(value: pikepdf.Object) -> object:
    """A descriptor's value, as Python: it outlives the badge's PDF."""
    if isinstance(value, pikepdf.Array):
        return [float(v) for v in value]
    if isinstance(value, pikepdf.Name):
        return pikepdf.Name(str(value))
    if isinstance(value, pikepdf.String):
        return pikepdf.String(bytes(value))
    return float(value)


def _tables(program: bytes) -> dict[bytes, bytes]:
    version, count = struct.unpack_from(">IH", program)
    if version != 0x00010000:
        raise NotMergeable("not a TrueType font program")
    tables = {}
    for index in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", program, 12 + 16 * index)
        tables[tag] = program[offset : offset + length]
    needed = {b"glyf": 0, b"loca": 0, b"head": 54, b"hhea": 36, b"maxp": 32, b"hmtx": 0}
    if any(len(tables.get(tag, b"")) < size or tag not in tables for tag, size in needed.items()):
        raise NotMergeable("a table missing or short")
    if len(tables.get(b"post", b"")) < 32:
        raise NotMergeable("no post table")
    return tables


# head's checkSumAdjustment and indexToLocFormat; hhea's numberOfHMetrics; maxp's numGlyphs.
_CHECKSUM_AT, _LOCA_FORMAT_AT, _H_METRICS_AT, _GLYPH_COUNT_AT = 8, 50, 34, 4


def _glyphs(tables: dict[bytes, bytes]) -> tuple[dict[int, bytes], dict[int, tuple[int, int]]]:
    (count,) = struct.unpack_from(">H", tables[b"maxp"], _GLYPH_COUNT_AT)
    (long_loca,) = struct.unpack_from(">h", tables[b"head"], _LOCA_FORMAT_AT)
    loca = tables[b"loca"]
    if long_loca:
        offsets = struct.unpack_from(f">{count + 1}I", loca)
    else:
        offsets = tuple(2 * o for o in struct.unpack_from(f">{count + 1}H", loca))
    glyf = tables[b"glyf"]
    (long_metrics,) = struct.unpack_from(">H", tables[b"hhea"], _H_METRICS_AT)
    long_metrics = min(long_metrics, count)
    pairs = struct.unpack_from(f">{2 * long_metrics}h", tables[b"hmtx"])
    bearings = struct.unpack_from(f">{count - long_metrics}h", tables[b"hmtx"], 4 * long_metrics)
    # Advances are unsigned: read as signed with the bearings, then put right.
    advances = [a & 0xFFFF for a in pairs[0::2]]
    advances += [advances[-1] if advances else 0] * (count - long_metrics)
    bearings = list(pairs[1::2]) + list(bearings)
    # A subset keeps every glyph id up to its last glyph, mostly empty: only the
    # glyphs it has, and the metrics that say something, are kept.
    glyphs = {
        gid: glyf[start:end]
        for gid, (start, end) in enumerate(zip(offsets, offsets[1:], strict=False))
        if end > start
    }
    metrics = {
        gid: (advances[gid], bearings[gid])
        for gid in range(count)
        if gid in glyphs or advances[gid] or bearings[gid]
    }
    return glyphs, metrics


def _widths(array: pikepdf.Array) -> dict[int, float]:
    """/W as WeasyPrint writes it, `first [w1 w2 ...]`, or `first last w`."""
    widths, items, index = {}, list(array), 0
    while index < len(items):
        first = int(items[index])
        if isinstance(items[index + 1], pikepdf.Array):
            for offset, width in enumerate(items[index + 1]):
                widths[first + offset] = float(width)
            index += 2
        else:
            last, width = int(items[index + 1]), float(items[index + 2])
            widths.update(dict.fromkeys(range(first, last + 1), width))
            index += 3
    return widths


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    if b"beginbfrange" in cmap:
        raise NotMergeable("a ToUnicode with ranges")
    text = {}
    for section in _BFCHAR.findall(cmap):
        for glyph, unicode in _PAIR.findall(section):
            text[int(glyph, 16)] = bytes.fromhex(unicode.decode()).decode("utf-16-be")
    return text


def _write(document: pikepdf.Pdf, group: _Merged) -> None:
    first = group.first
    descriptor = pikepdf.Dictionary(Type=pikepdf.Name.FontDescriptor)
    for key, value in first.descriptor.items():
        descriptor[key] = _number(value) if isinstance(value, float) else value
    program = _program(first.tables, group)
    descriptor.FontFile2 = document.make_stream(program, Length1=len(program))
    # As WeasyPrint makes them: the box's width is that of the widest glyph drawn,
    # and the font FixedPitch (flag 1) if every glyph drawn is as wide.
    widest = max(group.widths.values(), default=0)
    box = first.descriptor.get("/FontBBox") or [0, 0, 0, 0]
    descriptor.FontBBox = pikepdf.Array([_number(v) for v in (box[0], box[1], widest, box[3])])
    flags = int(first.descriptor.get("/Flags", 4)) & ~1
    if len(group.widths) > 1 and len(set(group.widths.values())) == 1:
        flags |= 1
    descriptor.Flags = flags
    descriptor = document.make_indirect(descriptor)
    cid_font = document.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=descriptor.FontName,
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            CIDToGIDMap=pikepdf.Name.Identity,
            W=_w_array(group.widths),
            FontDescriptor=descriptor,
        )
    )
    font = group.font
    font.Type = pikepdf.Name.Font
    font.Subtype = pikepdf.Name.Type0
    font.BaseFont = descriptor.FontName
    font.Encoding = pikepdf.Name("/Identity-H")
    font.DescendantFonts = pikepdf.Array([cid_font])
    font.ToUnicode = document.make_stream(_cmap_stream(group.text))


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _w_array(widths: dict[int, float]) -> pikepdf.Array:
    array: list = []
    run: list = []
    for cid in sorted(widths):
        if cid - 1 not in widths:
            run = []
            array += [cid, run]
        run.append(_number(widths[cid]))
    return pikepdf.Array(
        [pikepdf.Array(item) if isinstance(item, list) else item for item in array]
    )


def _cmap_stream(text: dict[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange <0000> <ffff> endcodespacerange",
    ]
    items = sorted(text.items())
    for start in range(0, len(items), 100):  # at most 100 to a section
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{g:04x}> <{t.encode('utf-16-be').hex()}>".encode() for g, t in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _program(base: dict[bytes, bytes], group: _Merged) -> bytes:
    """A TrueType font of the first subset's tables, with every glyph of the group
    at its id."""
    count = max([*group.glyphs, *group.metrics, 0]) + 1
    glyf, offsets = bytearray(), []
    for gid in range(count):
        offsets.append(len(glyf))
        glyf += group.glyphs.get(gid, b"")
        glyf += b"\0" * (-len(glyf) % 4)
    offsets.append(len(glyf))
    tables = {tag: data for tag, data in base.items() if tag not in _REBUILT | _DROPPED}
    if b"OS/2" in base:
        tables[b"OS/2"] = base[b"OS/2"]
    tables[b"glyf"] = bytes(glyf)
    tables[b"loca"] = struct.pack(f">{count + 1}I", *offsets)
    tables[b"hmtx"] = b"".join(
        struct.pack(">Hh", *group.metrics.get(g, (0, 0))) for g in range(count)
    )
    head = bytearray(group.folded[b"head"])
    struct.pack_into(">I", head, _CHECKSUM_AT, 0)
    struct.pack_into(">h", head, _LOCA_FORMAT_AT, 1)
    tables[b"head"] = bytes(head)
    hhea = bytearray(group.folded[b"hhea"])
    struct.pack_into(">H", hhea, _H_METRICS_AT, count)
    tables[b"hhea"] = bytes(hhea)
    maxp = bytearray(group.folded[b"maxp"])
    struct.pack_into(">H", maxp, _GLYPH_COUNT_AT, count)
    tables[b"maxp"] = bytes(maxp)
    # post version 3: no glyph names (a version 2 table lists one per glyph).
    tables[b"post"] = struct.pack(">I", 0x00030000) + base[b"post"][4:32]
    tables[b"cmap"] = _cmap_table(group.text)
    return _sfnt(tables)


def _cmap_table(text: dict[int, str]) -> bytes:
    """A format 12 (Windows, full Unicode) cmap of the glyphs that stand for one
    character: not read for drawing (the CIDs are glyph ids), but expected."""
    pairs = sorted({ord(t): g for g, t in text.items() if len(t) == 1}.items())
    groups = b"".join(struct.pack(">III", char, char, gid) for char, gid in pairs)
    subtable = struct.pack(">HHIII", 12, 0, 16 + len(groups), 0, len(pairs)) + groups
    return struct.pack(">HHHHI", 0, 1, 3, 10, 12) + subtable


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    power = 1 << (len(tags).bit_length() - 1)
    header = struct.pack(
        ">IHHHH",
        0x00010000,
        len(tags),
        power * 16,
        power.bit_length() - 1,
        (len(tags) - power) * 16,
    )
    offset = len(header) + 16 * len(tags)
    records, body = [], bytearray()
    for tag in tags:
        data = tables[tag]
        records.append(struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data)))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + b"".join(records) + body)
    # head.checkSumAdjustment makes the whole font's checksum 0xB1B0AFBA.
    head = offset + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in tags[: tags.index(b"head")])
    struct.pack_into(
        ">I", font, head + _CHECKSUM_AT, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    )
    return bytes(font)
