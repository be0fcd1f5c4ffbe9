"""Regions, groups, clusters, indicators and the observations uploaded for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("设区市")
        COUNTY = "county", _("县（市、区）")

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    short_name = models.CharField(_("简称"), max_length=20)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True, help_text=_("拼音，如 Yiwu City"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.PositiveSmallIntegerField(_("设立年份"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("撤销年份"), null=True, blank=True, help_text=_("最后存在的年份"))
    predecessors = models.ManyToManyField(
        "self", verbose_name=_("前身"), symmetrical=False, blank=True, related_name="successors"
    )
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords(m2m_fields=[predecessors])

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="region_validity_ordered",
            ),
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def is_current(self):
        return self.valid_to is None


class RegionGroup(models.Model):
    """A set of counties a document names: a list (with dated memberships) or a rule over the data."""

    class Kind(models.TextChoices):
        LIST = "list", _("名单")
        THRESHOLD = "threshold", _("按门槛（逐年计算）")

    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    description = models.TextField(_("说明"), blank=True)
    source = models.TextField(_("来源"), blank=True)
    is_demo = models.BooleanField(_("示例名单"), default=False, help_text=_("名单为示例，待管理员替换"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.LIST)
    # A threshold group holds, each year, the counties whose rule_indicator passes the bounds; a bound left
    # empty while its comparator is set is 待设定 (the document gives none) and the group is then empty.
    rule_indicator = models.ForeignKey(
        "Indicator", verbose_name=_("门槛指标"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_comparator = models.CharField(_("下限比较"), max_length=2, blank=True, choices=[("gt", ">"), ("ge", "≥")])
    rule_value = models.FloatField(_("下限"), null=True, blank=True)
    rule_upper_comparator = models.CharField(
        _("上限比较"), max_length=2, blank=True, choices=[("lt", "<"), ("le", "≤")]
    )
    rule_upper_value = models.FloatField(_("上限"), null=True, blank=True)
    members = models.ManyToManyField(Region, through="GroupMembership", related_name="region_groups")
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("区域组")
        verbose_name_plural = _("区域组")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="list") | Q(rule_indicator__isnull=False), name="group_threshold_has_indicator"
            )
        ]

    def __str__(self):
        return self.name


class Confidence(models.TextChoices):
    """How sure a fact taken from outside the documents is (kept with the fact, shown beside it)."""

    CONFIRMED = "confirmed", _("已核实")
    REPORTED = "reported", _("见于报道")
    DEMO = "demo", _("示例")


class GroupMembership(models.Model):
    """A county on a group's list from `since` (empty: from the list's start) until `until` (empty: still
    on it; otherwise the day it left, so the membership is in force on since ≤ day < until)."""

    group = models.ForeignKey(RegionGroup, on_delete=models.CASCADE, related_name="memberships")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="group_memberships")
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("调出之日；空为仍在名单内"))
    source = models.TextField(_("来源"), blank=True)
    confidence = models.CharField(_("可信度"), max_length=10, choices=Confidence.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["group", "region", "since"]
        verbose_name = _("区域组成员")
        verbose_name_plural = _("区域组成员")
        constraints = [
            models.UniqueConstraint(fields=["group", "region", "since"], name="group_member_once_per_start"),
            models.CheckConstraint(
                condition=Q(since__isnull=True) | Q(until__isnull=True) | Q(since__lt=models.F("until")),
                name="group_member_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.group} · {self.region.name}"


class Cluster(models.Model):
    class Tier(models.TextChoices):
        WORLD = "world", _("世界级先进产业群")
        PROVINCIAL = "provincial", _("省级特色产业集群")
        NEW_STAR = "new_star", _("新星产业群")

    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    tier = models.CharField(_("层级"), max_length=12, choices=Tier.choices)
    name = models.CharField(_("名称"), max_length=80)
    name_en = models.CharField(_("英文名称"), max_length=160, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("所属产业群"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    excerpt = models.TextField(_("原文"), blank=True)
    # where a name the documents do not give comes from (URL — quote), as published
    source = models.TextField(_("来源"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_demo = models.BooleanField(_("示例"), default=False, help_text=_("文件未列出，此为示例，待管理员核对替换"))
    members = models.ManyToManyField(Region, through="ClusterMembership", related_name="clusters")
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("“415X”集群")
        verbose_name_plural = _("“415X”集群")

    def __str__(self):
        return self.name


class ClusterMembership(models.Model):
    class Role(models.TextChoices):
        CORE = "core", _("核心区")
        COORDINATION = "coordination", _("协同区")
        NEW_STAR = "new_star", _("新星产业群")

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cluster_memberships")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    is_demo = models.BooleanField(_("示例"), default=False, help_text=_("文件未列名单，此为示例，待管理员替换"))
    # Dated like a group membership: a promotion (协同区 → 核心区) ends one row and starts another.
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("撤销或调整之日；空为仍有效"))
    designation_round = models.PositiveSmallIntegerField(_("认定批次"), null=True, blank=True)
    source = models.TextField(_("来源"), blank=True)
    confidence = models.CharField(_("可信度"), max_length=10, choices=Confidence.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["cluster", "role", "region", "since"]
        verbose_name = _("集群成员")
        verbose_name_plural = _("集群成员")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "region", "since"], name="cluster_member_once_per_start"),
            models.CheckConstraint(
                condition=Q(since__isnull=True) | Q(until__isnull=True) | Q(since__lt=models.F("until")),
                name="cluster_member_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.cluster} · {self.region.name}（{self.get_role_display()}）"


class Indicator(models.Model):
    class Kind(models.TextChoices):
        BASE = "base", _("基础指标")
        DERIVED = "derived", _("派生指标")

    class Direction(models.TextChoices):
        UP = "up", _("越高越好")
        DOWN = "down", _("越低越好")
        NEUTRAL = "neutral", _("中性")

    class Level(models.TextChoices):
        COUNTY = "county", _("县级填报")
        CITY = "city", _("市级填报")
        PROVINCE = "province", _("省级填报")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=80, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=160, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.BASE)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices, default=Direction.UP)
    level = models.CharField(_("填报层级"), max_length=8, choices=Level.choices, default=Level.COUNTY)
    numerator = models.ForeignKey(
        "self", verbose_name=_("分子"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", verbose_name=_("分母"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    factor = models.FloatField(_("系数"), default=1.0)
    # A derived indicator bound to an industry (规上制造业 …) reads its parts from that industry's rows,
    # so its name and its numbers cannot drift apart the way a sector scope on a 规上工业 indicator could.
    industry = models.CharField(
        _("行业"), max_length=40, blank=True, help_text=_("派生指标的分子、分母按此行业的数据计算；空为不分行业")
    )
    growth_of = models.ForeignKey(
        "self",
        verbose_name=_("增速对应指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="growth_series",
        help_text=_("可比价增速序列所对应的总量指标"),
    )
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # a loss makes 利润总额 negative: the catalog says which amounts may be, the upload check reads this flag
    allow_negative = models.BooleanField(_("可为负数"), default=False, help_text=_("例如利润总额（亏损时为负）"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="base", numerator__isnull=True, denominator__isnull=True)
                | Q(kind="derived", numerator__isnull=False, denominator__isnull=False),
                name="indicator_derived_has_ratio",
            ),
            models.CheckConstraint(condition=~Q(factor=0), name="indicator_factor_nonzero"),
        ]

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    @property
    def is_share(self):
        return self.unit == "%" and self.growth_of_id is None

    @property
    def formula(self):
        if self.kind != self.Kind.DERIVED:
            return ""
        factor = "" if self.factor == 1 else f" × {self.factor:g}"
        formula = f"{self.numerator.name} ÷ {self.denominator.name}{factor}"
        if not self.industry:
            return formula
        industry = Industry.objects.filter(code=self.industry).values_list("name", flat=True).first()
        return f"{formula}（{_('均按行业')} {industry or self.industry}）"


class IndicatorAlias(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("别名"), max_length=80, unique=True)
    valid_until = models.PositiveSmallIntegerField(
        _("适用至年份"), null=True, blank=True, help_text=_("例如“主营业务收入”只适用于2018年及以前")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "alias"]
        verbose_name = _("指标别名")
        verbose_name_plural = _("指标别名")

    def __str__(self):
        return self.alias


class Industry(models.Model):
    """A GB/T 4754-2017 division (C13 … C43) or a named set of them (制造业, 重点传统制造业, 装备制造业 …).
    `code` is the division code or the set's slug; observations and `sector:CODE` scopes name it."""

    class Kind(models.TextChoices):
        DIVISION = "division", _("行业大类")
        SET = "set", _("行业组合")

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    name_en = models.CharField(_("英文名称"), max_length=160, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.DIVISION)
    divisions = models.ManyToManyField(
        "self", verbose_name=_("包含行业大类"), symmetrical=False, blank=True, related_name="sets"
    )
    source = models.TextField(_("来源"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    history = HistoricalRecords(m2m_fields=[divisions])

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("行业")
        verbose_name_plural = _("行业")
        constraints = [models.CheckConstraint(condition=~Q(code=""), name="industry_code_not_empty")]

    def __str__(self):
        return self.name


class Upload(models.Model):
    """One file (or demo/CLI batch) of statistics; every observation traces back to one."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("待确认")
        SUBMITTED = "submitted", _("已提交")
        CITY_CHECKED = "city_checked", _("市级已审")
        APPROVED = "approved", _("已审核")
        RETURNED = "returned", _("已退回")
        SUPERSEDED = "superseded", _("已被替代")

    class Source(models.TextChoices):
        WEB = "web", _("网页上传")
        CLI = "cli", _("命令行导入")
        DEMO = "demo", _("示例数据")
        PUBLISHED = "published", _("公开数据")

    original_name = models.CharField(_("原文件名"), max_length=255)
    stored_name = models.CharField(_("存储文件名"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    shape = models.CharField(_("表格形式"), max_length=30, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    # where published figures come from (统计年鉴 table, 统计公报 URL): shown wherever a value's origin is
    source_title = models.CharField(_("资料来源"), max_length=200, blank=True)
    source_url = models.URLField(_("来源网址"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PREVIEW)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.PROTECT, related_name="uploads"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    regions = models.ManyToManyField(Region, verbose_name=_("涉及地区"), related_name="uploads", blank=True)
    years = models.JSONField(_("涉及年份"), default=list, blank=True)
    value_count = models.PositiveIntegerField(_("数值个数"), default=0)
    warnings = models.JSONField(_("提示"), default=list, blank=True)  # [{"sheet", "cell", "message"}]
    # what the file was parsed into when it arrived; preview and confirm read these, never the file again
    # {"year", "region_code", "column_map", "skip_unknown", "columns": how each column was read}
    options = models.JSONField(_("解析选项"), default=dict, blank=True, editable=False)
    rows = models.JSONField(
        _("解析结果"), default=list, blank=True, editable=False
    )  # ParsedValue fields, one list each
    # likely unit slips found at upload (rows index, message): each must be confirmed before the draft is submitted
    outliers = models.JSONField(_("疑似单位错误"), default=list, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_uploads",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    # when the uploader confirmed it (the round's on-time test reads this, not the draft's uploaded_at)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    city_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("市级审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="city_reviewed_uploads",
    )
    city_reviewed_at = models.DateTimeField(_("市级审核时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["rows", "outliers"])  # neither changes after the upload

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("数据上传")
        verbose_name_plural = _("数据上传")

    def __str__(self):
        return f"#{self.pk} {self.original_name}"

    # what indicators.ingest calls the shapes it reads (ParseResult.shape joins several with "+")
    SHAPES = {
        "template": _("填报模板"),
        "csv": _("长表（CSV）"),
        "report": _("单地区报表"),
        "series": _("单地区时间序列"),
        "rollup": _("多地区汇总表"),
        "bulletin": _("统计公报文本"),
        "unknown": _("未识别"),
    }

    def shape_display(self):
        """The shape in words: "多地区汇总表", "填报模板、单地区报表" (never the parser's code names)."""
        return "、".join(str(self.SHAPES.get(part, part)) for part in self.shape.split("+") if part)

    def parsed_values(self):
        """The values the file was parsed into when it arrived, in the order the parser gave them."""
        from .ingest import ParsedValue  # here: the parser's libraries load when a parse is read, not with the models

        return [ParsedValue(*row) for row in self.rows]


class Observation(models.Model):
    """A value in the indicator's canonical unit. Float, not Decimal: statistics carry at most
    four decimals, the gap engine computes in float64 anyway, and the exact text as uploaded
    stays in `raw` and in the kept original file."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        APPROVED = "approved", _("已审核")
        RETURNED = "returned", _("已退回")
        SUPERSEDED = "superseded", _("已被替代")

    class Flag(models.TextChoices):
        NONE = "", _("—")
        PRELIMINARY = "preliminary", _("初步")
        REVISED = "revised", _("修订")
        ESTIMATED = "estimated", _("估算")

    # No index of their own: observation_version_once leads with region and observation_indicator_year with
    # indicator, so two more B-trees would only slow every insert (an import writes tens of thousands).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="observations", db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="observations", db_index=False)
    # The Industry code the value is for; "" is the region's whole economy. A code, not a foreign key: a
    # nullable column would make NULLs distinct in the unique constraints below (one current value per key).
    # services.observations_write, the one writer, checks the code against Industry.
    industry = models.CharField(_("行业"), max_length=40, blank=True, default="")
    # The 415X cluster slug whose core-area series this is (集群 in that county: 柯桥区 现代纺织与服装 营收); "" is
    # the region's own figure. A slug, not a foreign key, for the same reason as industry; the writer checks it.
    cluster = models.CharField(_("集群"), max_length=60, blank=True, default="")
    year = models.PositiveSmallIntegerField(_("年份"))
    value = models.FloatField(_("数值"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    is_current = models.BooleanField(_("当前版本"), default=True)
    upload = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="observations")
    sheet = models.CharField(max_length=80, blank=True)
    cell = models.CharField(max_length=20, blank=True)
    raw = models.CharField(_("原始值"), max_length=80, blank=True)
    note = models.TextField(_("备注"), blank=True)
    flag = models.CharField(_("数据标记"), max_length=12, choices=Flag.choices, blank=True, default=Flag.NONE)
    # a value for a year before the unit existed, as its statistics office publishes it (按现行区划)
    back_series = models.BooleanField(_("按现行区划回溯"), default=False)

    class Meta:
        ordering = ["region", "indicator", "industry", "cluster", "year", "-version"]
        verbose_name = _("统计数据")
        verbose_name_plural = _("统计数据")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "industry", "cluster", "year", "version"],
                name="observation_version_once",
            ),
            models.UniqueConstraint(
                fields=["region", "indicator", "industry", "cluster", "year"],
                condition=Q(is_current=True),
                name="observation_one_current",
            ),
            models.UniqueConstraint(
                fields=["region", "indicator", "industry", "cluster", "year"],
                condition=Q(status="approved"),
                name="observation_one_approved",
            ),
            models.CheckConstraint(condition=Q(year__gte=1949) & Q(year__lte=2100), name="observation_year_range"),
        ]
        indexes = [models.Index(fields=["indicator", "year"], name="observation_indicator_year")]

    def __str__(self):
        return f"{self.region.name} {self.indicator.name} {self.year}: {self.value:g}"


class OfficialRegion(models.Model):
    """A region a county official answers for: what they may upload and whose drafts they see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="official_regions"
    )
    region = models.ForeignKey(Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="officials")
    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "region"]
        verbose_name = _("县级用户负责地区")
        verbose_name_plural = _("县级用户负责地区")
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="official_region_once")]

    def __str__(self):
        return f"{self.user} · {self.region.name}"


class DataVersion(models.Model):
    """The one row every process reads to know whether its cached gap tables and page bodies still hold.

    `epoch` is random and set when the row is made, so a database that is emptied and refilled (tests, a
    restore) never brings back entries keyed on an old generation; `generation` only grows. Moved by
    indicators.versioning.data_changed() in the writer's own transaction.

    `tables_key` names the file of TABLES_ROOT holding what the dashboard computed from this version's data
    (opaque here: targets.reports builds it); moving the version sets it to versioning.BUILDING until the writer
    stores the new version's tables, so the row never points at another version's tables."""

    epoch = models.CharField(max_length=32)
    generation = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)
    tables_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="data_version_single_row")]

    def __str__(self):
        return f"{self.epoch}.{self.generation}"


class ValidationRule(models.Model):
    """A check over the indicators of one region-year (DHIS2's validation rules are the model): an upload that
    breaks an error rule is refused, a warning rule is shown beside the preview."""

    class Operator(models.TextChoices):
        LE = "le", "≤"
        LT = "lt", "<"
        GE = "ge", "≥"
        GT = "gt", ">"
        EQ = "eq", "="

    class Importance(models.TextChoices):
        ERROR = "error", _("错误（拒绝上传）")
        WARNING = "warning", _("提示")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    left = models.ForeignKey(
        Indicator, verbose_name=_("左侧指标"), on_delete=models.PROTECT, related_name="validation_rules_left"
    )
    operator = models.CharField(_("比较符"), max_length=2, choices=Operator.choices)
    right = models.ForeignKey(
        Indicator, verbose_name=_("右侧指标"), on_delete=models.PROTECT, related_name="validation_rules_right"
    )
    importance = models.CharField(_("重要性"), max_length=8, choices=Importance.choices, default=Importance.ERROR)
    is_active = models.BooleanField(_("启用"), default=True)
    description = models.TextField(_("说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("校验规则")
        verbose_name_plural = _("校验规则")
        constraints = [
            models.CheckConstraint(condition=~Q(left=models.F("right")), name="validation_rule_two_sides"),
            models.CheckConstraint(
                condition=Q(operator__in=["le", "lt", "ge", "gt", "eq"]), name="validation_rule_operator_known"
            ),
        ]

    def __str__(self):
        return f"{self.left.name} {self.get_operator_display()} {self.right.name}"


class ReportingRound(models.Model):
    """The yearly data campaign: which indicators every county owes for `year`, by when. A closed round
    locks the year's approved values: a later upload is a revision that needs approval (indicators.rounds)."""

    class State(models.TextChoices):
        OPEN = "open", _("填报中")
        CLOSED = "closed", _("已关闭")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    deadline = models.DateField(_("截止日期"))
    indicators = models.ManyToManyField(Indicator, verbose_name=_("必报指标"), related_name="rounds")
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    history = HistoricalRecords()  # a reopening's reason is the history row's change reason

    class Meta:
        ordering = ["-year"]
        verbose_name = _("填报轮次")
        verbose_name_plural = _("填报轮次")
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=1949) & Q(year__lte=2100), name="round_year_range"),
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True) | Q(state="closed", closed_at__isnull=False),
                name="round_closed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.year}"

    @property
    def is_closed(self):
        return self.state == self.State.CLOSED


class Notification(models.Model):
    """One message to one user: kept for the in-site inbox (unread until opened) and sent by mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # A message that reaches each user at most once carries a key (a deadline reminder: its round and day);
    # empty for the rest.
    key = models.CharField(_("去重键"), max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key")
        ]

    def __str__(self):
        return f"{self.user} · {self.subject}"
