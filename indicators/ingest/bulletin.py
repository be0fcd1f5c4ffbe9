"""Statistical bulletins (统计公报): figures read from sentences, for one region and year (no Django import).

"规模以上工业增加值31.25亿元，比上年增长8.1%" gives 规模以上工业增加值 = 31.25 亿元 and, since that indicator has a
comparable-price growth series, its growth 8.1 %. The reading is deliberately narrow, because a misread figure is
worse than a missed one:

- a figure is a number with a unit right after it; the words between the previous figure and it name it;
- 全部工业 and 规模以上 stay apart: a bare 工业增加值 / 产值 / 营业收入 / 利润总额 is 规模以上 only when the sentence says
  so before it (规上工业企业实现产值…), 全部工业 when it says 全部工业, and otherwise it is not read;
- a growth (增长 / 下降), a change (提高 0.73 万元/人, 增加 5 家) or a share is never read as a level: a growth is kept
  only as the growth series of an indicator that has one, a share (占 / 比重 / 占比) only as a % indicator of the
  catalog (a reported ratio, like a 亩均税收 figure of the derived 亩均税收 indicator);
- a bound or an approximation (突破 8 万亿元, 约 3.3%, 100 亿元以上) is not a value;
- every figure that is read keeps its sentence (shown in the preview); every one that is not, and names a measure,
  is listed with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .catalog import CatalogIndex, IndicatorSpec
from .results import IssueLog, clip
from .units import INVISIBLE, parse_unit, same_family
from .validate import Candidate, Validator

__all__ = ["SHEET", "Figure", "figures", "looks_like_bulletin", "read_bulletin", "simplified"]

SHEET = "公报"
MAX_QUOTE = 300

# Traditional characters of the statistics vocabulary (several county bulletins are quoted from big5 mirrors):
# enough to read a figure's words, not a general converter.
_TRADITIONAL = str.maketrans(
    "義烏實現規業産產億長為員勞動稅畝萬於與較總額營數術製電發濟經資農達進際區縣場務關單項個從東門開輸運費導體點類條優質"
    "設備裝戰興鄉鎮創專權標準噸兩淨虧損潤價計統報劃積極強轉變綠節約環號佔並績續預測顯應響鏈據處辦機車紡織醫藥華溫寧紹麗"
    "臺灣樂餘蕭錢龍陽雲慶蒼門億",
    "义乌实现规业产产亿长为员劳动税亩万于与较总额营数术制电发济经资农达进际区县场务关单项个从东门开输运费导体点类条优质"
    "设备装战兴乡镇创专权标准吨两净亏损润价计统报划积极强转变绿节约环号占并绩续预测显应响链据处办机车纺织医药华温宁绍丽"
    "台湾乐余萧钱龙阳云庆苍门亿",
)

_SENTENCE_RE = re.compile(r"[^。！!？?\n\r]+")  # a ； stays inside: 规上 before it still qualifies what follows
_NUMBER_RE = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)")
_UNIT_CHARS = 8  # the longest unit read after a number: 万吨标准煤, 万元/人
_CONTEXT_CHARS = 300  # how far back a sentence's 规模以上 (or 集群) still qualifies a figure
# the words that only lead up to a figure: 为 41.23, 达到 4.51%, 累计实现 149.38
_LEAD_RE = re.compile(r"(?:为|是|达到|达|实现|完成|累计|合计|共计|总计|共|全年|分别为|分别|了)+$")
# a figure of a part of the region (a cluster, a park) is not the region's own
_PART_RE = re.compile(r"集群|园区|开发区|产业园|小微园|高新区")
_BOUND_BEFORE_RE = re.compile(r"(?:约|近|超过|突破|超|逾|不足|不到|接近|首次突破|首破)$")
_BOUND_AFTER_RE = re.compile(r"^(?:以上|以下|左右|多|余|之多)")
_GROWTH_RE = re.compile(
    r"(?:同比|比上年|比去年|较上年|比\d{4}年|较\d{4}年|年均)?(?P<word>增长|下降|回落|下滑|减少|增速为|增速|增幅为|增幅)$"
)
_CHANGE_RE = re.compile(r"(?:提高|增加|上升|降低|扩大|缩小|新增|净增|减少了|增加了|提升)(?:了)?$")
_FALLING = {"下降", "回落", "下滑", "减少"}
_SHARE_RE = re.compile(r"占|比重|占比")
# what a sentence says before the measure (its subject, a verb): the measure is what follows the last of them
_SUBJECT_RE = re.compile(
    r"^.*(?:全市|全县|全区|全省|全年|本年|今年|实现|完成|累计|共有|拥有|其中|(?:规模以上|规上)?(?:工业)?企业(?!数))"
)
_QUALIFIERS = ("规模以上工业", "规上工业", "规模以上", "规上", "全部工业")
# a measure that means something different under 规模以上 and under 全部工业: never read without one of them
_BARE = {
    "产值": "工业总产值",
    "总产值": "工业总产值",
    "工业产值": "工业总产值",
    "工业总产值": "工业总产值",
    "增加值": "工业增加值",
    "工业增加值": "工业增加值",
    "营业收入": "营业收入",
    "营收": "营业收入",
    "工业营业收入": "营业收入",
    "利润总额": "利润总额",
    "利润": "利润总额",
    "工业利润总额": "利润总额",
}


def simplified(text: str) -> str:
    """The text as the reader matches it: NFKC (full-width digits and commas), invisible marks and spaces dropped,
    the traditional characters of statistics vocabulary simplified. "規上工業産值１６６１億元" → "规上工业产值1661亿元"."""
    s = unicodedata.normalize("NFKC", text).translate(INVISIBLE).translate(_TRADITIONAL)
    return "".join(s.split())


@dataclass(frozen=True)
class Figure:
    """A number with its unit in a sentence: ``lead`` the words since the previous figure, ``context`` the sentence
    up to the number (its last 300 characters), ``after`` what follows the unit."""

    number: str
    unit: str
    lead: str
    context: str
    after: str


def _unit_at(s: str, pos: int) -> str | None:
    for end in range(min(len(s), pos + _UNIT_CHARS), pos, -1):
        unit = parse_unit(s[pos:end])
        if unit is not None and unit.family != "years":  # 2022年 is a date, not a figure
            return s[pos:end]
    return None


def figures(sentence: str) -> list[Figure]:
    """The figures of one (simplified) sentence, in order: "规上工业增加值149.38亿元,同比增长10.7%" → two."""
    out, last = [], 0
    for m in _NUMBER_RE.finditer(sentence):
        unit = _unit_at(sentence, m.end())
        if unit is None:
            continue
        end = m.end() + len(unit)
        lead = sentence[last : m.start()].lstrip(",，、:：;；")
        context = sentence[max(0, m.start() - _CONTEXT_CHARS) : m.start()]  # bounded: a run-on text stays linear
        out.append(Figure(m.group(1), unit, lead, context, sentence[end : end + 4]))
        last = end
    return out


class _Reader:
    def __init__(self, index: CatalogIndex, log: IssueLog, validator: Validator, region: str, year: int):
        self.index, self.log, self.validator = index, log, validator
        self.region, self.year = region, year

    def match(self, name: str) -> IndicatorSpec | None:
        found, _ = self.index.match_indicator(name)
        return found.spec if found is not None else None

    def measure(self, words: str, context: str) -> tuple[IndicatorSpec | None, str]:
        """The indicator the words before a figure name, or None and why (empty: they name nothing)."""
        words = _SUBJECT_RE.sub("", words).lstrip("的")
        if not words:
            return None, ""
        qualifier, rest = "", words
        for q in _QUALIFIERS:
            if q in words:  # what stands before it names the place: 海宁的规上工业产值
                words = words[words.index(q) :]
                qualifier, rest = q, words[len(q) :]
                break
        if rest in _BARE:
            canonical = _BARE[rest]
            if qualifier == "全部工业":
                spec = self.match("全部工业" + canonical.removeprefix("工业"))
                return spec, "" if spec else f'目录中没有全部工业口径的"{words}"指标'
            if qualifier or "规上" in context or "规模以上" in context:
                return self.match("规模以上工业" + canonical.removeprefix("工业")), ""
            return None, f'"{words}"未注明规模以上或全部工业，口径不明'
        for name in (words, rest, "规模以上工业" + rest if "规上" in context or "规模以上" in context else ""):
            spec = self.match(name) if name else None
            if spec is not None:
                return spec, ""
        return None, f'"{clip(words)}"不是目录中的指标'

    def read(self, n: int, quote: str, sentence: str) -> None:
        where = f"第{n}句"
        level: IndicatorSpec | None = None  # the last level read in the sentence: what a bare 增长 refers to
        for f in figures(sentence):
            lead = _LEAD_RE.sub("", f.lead)
            if _BOUND_BEFORE_RE.search(lead) or _BOUND_AFTER_RE.match(f.after):
                if lead:
                    self.log.warn(SHEET, where, f'"{clip(f.lead + f.number + f.unit)}" 是约数或界限，未导入')
                continue
            growth = _GROWTH_RE.search(lead)
            if growth:
                self.growth(where, quote, f, lead[: growth.start()], growth.group("word"), level, sentence)
                continue
            if _CHANGE_RE.search(lead):
                continue  # 提高 0.73 万元/人: a change, never a level
            spec, why = self.measure(lead, f.context)
            if spec is not None and _PART_RE.search(f.context):
                spec, why = None, f'"{clip(lead)}" 是集群或园区的数值，不是全地区的'
            if spec is None:
                if why:
                    self.log.warn(SHEET, where, f"{why}，{f.number}{f.unit} 未导入")
                continue
            if _SHARE_RE.search(lead) and spec.unit != "%":
                self.log.warn(SHEET, where, f'"{clip(lead)}" 是比重，不作为总量导入')
                continue
            if spec.growth_of:
                self.log.warn(SHEET, where, f'"{clip(lead)}" 是增速，须写作"增长…%"，未导入')
                continue
            unit = spec.unit if spec.unit.split("/")[0] == f.unit and "/" in spec.unit else f.unit  # 亩均税收40万元
            if not same_family(unit, spec.unit):
                self.log.warn(
                    SHEET, where, f'"{clip(lead)}" 的单位 {f.unit} 与指标"{spec.name}"（{spec.unit}）不符，未导入'
                )
                continue
            level = spec
            self.add(where, quote, spec, f.number, unit)

    def growth(self, where, quote, f: Figure, words: str, word: str, level, sentence) -> None:
        if f.unit != "%":
            return
        measured = level
        if words:
            measured, _ = self.measure(words, f.context)
        if measured is None:
            return
        series = self.index.growth_series.get(measured.code)
        if series is None:
            self.log.warn(
                SHEET, where, f'"{measured.name}" 的增长率没有对应的可比价增速指标，未导入（增长率不作为总量导入）'
            )
            return
        number = f"-{f.number}" if word in _FALLING else f.number
        self.add(where, quote, series, number, "%")

    def add(self, where: str, quote: str, spec: IndicatorSpec, number: str, unit: str) -> None:
        self.validator.add(Candidate(SHEET, where, self.region, "", spec, self.year, number, unit, where, quote=quote))


def read_bulletin(
    text: str, index: CatalogIndex, log: IssueLog, validator: Validator, *, region_code: str, year: int
) -> None:
    """Read every sentence of ``text`` into ``validator`` (figures of ``region_code`` in ``year``)."""
    reader = _Reader(index, log, validator, region_code, year)
    for n, m in enumerate(_SENTENCE_RE.finditer(text), start=1):
        quote = m.group(0).strip()
        if quote:
            reader.read(n, quote[:MAX_QUOTE], simplified(quote))


def looks_like_bulletin(text: str) -> bool:
    """Whether a text no table shape recognised holds a figure worth reading: a number with a unit after words."""
    return any(f.lead for m in _SENTENCE_RE.finditer(text[:200_000]) for f in figures(simplified(m.group(0))))
