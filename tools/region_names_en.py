"""English names of the regions for tools/build_regions.py: the pinyin of the short name, capitalised as one word,
and the English of the unit's level word (区 District, 县 County, 市 City, 自治县 Autonomous County)."""

from pypinyin import lazy_pinyin

SUFFIXES = [
    ("畲族自治县", "She Autonomous County"),
    ("自治县", "Autonomous County"),
    ("省", "Province"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
]


def name_en(name: str, short_name: str) -> str:
    """义乌市/义乌 → "Yiwu City"; 景宁畲族自治县/景宁 → "Jingning She Autonomous County"; 淳安县/淳安 → "Chun'an
    County" (an apostrophe before a syllable opening with a, e or o, as the pinyin rules write it)."""
    chinese, suffix = next(((c, e) for c, e in SUFFIXES if name.endswith(c)), ("", ""))
    if chinese and short_name.endswith(chinese) and len(short_name) > len(chinese):  # 绍兴县 → 绍兴
        short_name = short_name[: -len(chinese)]
    syllables = lazy_pinyin(short_name)
    stem = syllables[0] + "".join("'" + s if s[0] in "aeo" else s for s in syllables[1:])
    return f"{stem.capitalize()} {suffix}".strip()
