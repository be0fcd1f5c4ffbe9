"""Policy documents and the quantified targets they set."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import Indicator


class GapStatus(models.TextChoices):
    """How far a scope stands from a target: the codes targets/gaps.py gives, in the order pages show them."""

    ACHIEVED = "achieved", _("已实现")
    ON_TRACK = "on_track", _("进度正常")
    NEEDS_ACCELERATION = "needs_acceleration", _("需加快")
    LIMITED_PROGRESS = "limited_progress", _("进展有限")
    DETERIORATING = "deteriorating", _("倒退")
    INSUFFICIENT_DATA = "insufficient_data", _("数据不足")


class PolicyDocument(models.Model):
    class Issuer(models.TextChoices):
        PROVINCE = "province", _("浙江省")
        JIAXING = "jiaxing", _("嘉兴市")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    doc_number = models.CharField(_("文号"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    title_en = models.CharField(_("英文标题"), max_length=300, blank=True)
    issuer = models.CharField(_("发文层级"), max_length=10, choices=Issuer.choices)
    issuer_name = models.CharField(_("发文机关"), max_length=60)
    issue_date = models.DateField(_("发文日期"), null=True, blank=True)
    period_start = models.PositiveSmallIntegerField(_("规划起始年"))
    period_end = models.PositiveSmallIntegerField(_("规划终止年"))
    base_year = models.PositiveSmallIntegerField(_("基期年"))
    seed_file = models.CharField(_("原文文件"), max_length=80)
    full_text = models.TextField(_("全文"))
    note = models.TextField(_("说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["period_start", "code"]
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="document_period_ordered"
            ),
            models.CheckConstraint(condition=Q(base_year__lt=models.F("period_end")), name="document_base_before_end"),
        ]

    def __str__(self):
        return self.title


class QualitativeGoal(models.Model):
    """A goal the document states without a number; kept as text, never turned into a target."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="qualitative_goals")
    clause = models.CharField(_("条款"), max_length=40, blank=True)
    text = models.TextField(_("原文"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["document", "order"]
        verbose_name = _("定性目标")
        verbose_name_plural = _("定性目标")

    def __str__(self):
        return self.text[:40]


class Target(models.Model):
    class Kind(models.TextChoices):
        LEVEL = "level", _("水平值")
        SHARE = "share", _("比重")
        AVG_ANNUAL_GROWTH = "avg_annual_growth", _("年均增长")
        ANNUAL_DECLINE = "annual_decline", _("年均下降")
        CHANGE_VS_BASE = "change_vs_base", _("比基期变化")
        ANNUAL_INCREASE_POINTS = "annual_increase_points", _("每年提高百分点")
        COUNT_PER_YEAR = "count_per_year", _("每年数量")
        CUMULATIVE_COUNT = "cumulative_count", _("累计数量")
        THRESHOLD_COUNT = "threshold_count", _("达标地区数")

    class Comparator(models.TextChoices):
        GE = "ge", "≥"
        GT = "gt", ">"
        LE = "le", "≤"
        LT = "lt", "<"
        APPROX = "approx", "≈"
        EQ = "eq", "="

    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="targets")
    seq = models.PositiveSmallIntegerField(_("序号"))
    clause = models.CharField(_("条款"), max_length=40)
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="targets")
    label = models.CharField(_("目标"), max_length=120)
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    comparator = models.CharField(_("比较"), max_length=6, choices=Comparator.choices, default=Comparator.GE)
    value = models.FloatField(_("目标值"))
    unit = models.CharField(_("单位"), max_length=20)
    target_year = models.PositiveSmallIntegerField(_("目标年"))
    target_year_inferred = models.BooleanField(
        _("年份按规划期末推定"), default=False, help_text=_("原文未写年份，按规划期末")
    )
    base_year = models.PositiveSmallIntegerField(_("基期年"), null=True, blank=True)
    per_year = models.BooleanField(_("每年"), default=False)
    scope = models.CharField(_("适用范围"), max_length=60)
    share_of = models.CharField(_("占比基数范围"), max_length=60, blank=True)
    threshold_indicator = models.ForeignKey(
        Indicator, verbose_name=_("门槛指标"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    threshold_comparator = models.CharField(_("门槛比较"), max_length=6, choices=Comparator.choices, blank=True)
    threshold_value = models.FloatField(_("门槛值"), null=True, blank=True)
    threshold_unit = models.CharField(_("门槛单位"), max_length=20, blank=True)
    threshold_members = models.CharField(_("计数对象"), max_length=20, blank=True)
    policy_input = models.BooleanField(
        _("政策投入"), default=False, help_text=_("政府自身的投入，如资金规模、用地指标")
    )
    excerpt = models.TextField(_("原文摘录"))
    also_in = models.JSONField(_("其他原文摘录"), default=list, blank=True, help_text=_("重申同一目标的其他条款原文"))
    membership_date = models.DateField(
        _("名单日期"), null=True, blank=True, help_text=_("按哪一日的区域组、集群名单计算；空为文件发布日期")
    )
    note = models.TextField(_("解读说明"), blank=True, help_text=_("有两种读法时，所选读法与另一读法"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "seq"]
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        constraints = [
            models.UniqueConstraint(fields=["document", "seq"], name="target_seq_once_per_document"),
            models.CheckConstraint(
                condition=Q(target_year__gte=2000) & Q(target_year__lte=2100), name="target_year_plausible"
            ),
            models.CheckConstraint(
                condition=Q(base_year__isnull=True) | Q(base_year__lt=models.F("target_year")),
                name="target_base_before_target_year",
            ),
            models.CheckConstraint(
                condition=~Q(kind="threshold_count")
                | Q(threshold_indicator__isnull=False, threshold_value__isnull=False),
                name="target_threshold_count_has_threshold",
            ),
        ]

    def __str__(self):
        return f"{self.label} {self.get_comparator_display()}{self.value:g}{self.unit}（{self.target_year}）"


class CompositeWeight(models.Model):
    """A target's weight in the county composite score (综合评价); admins tune these."""

    target = models.OneToOneField(Target, on_delete=models.CASCADE, related_name="composite_weight")
    weight = models.FloatField(_("权重"), default=1.0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target"]
        verbose_name = _("综合评价权重")
        verbose_name_plural = _("综合评价权重")
        constraints = [models.CheckConstraint(condition=Q(weight__gt=0), name="composite_weight_positive")]

    def __str__(self):
        return f"{self.target.label}: {self.weight:g}"


class TiangongAward(models.Model):
    """A place awarded the “浙江制造天工鼎” in a year (seed 004: 对评价优秀地区授予“浙江制造天工鼎”), as the
    province published it: entered by an admin with its source, never inferred from the composite score."""

    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        "indicators.Region", verbose_name=_("获评地区"), on_delete=models.PROTECT, related_name="tiangong_awards"
    )
    source = models.TextField(_("来源"), help_text=_("公布名单的文件或报道（原文摘录）"))
    source_url = models.URLField(_("来源网址"), max_length=500, blank=True)
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "region"]
        verbose_name = _("“浙江制造天工鼎”获评地区")
        verbose_name_plural = _("“浙江制造天工鼎”获评地区")
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="tiangong_award_once_a_year"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="tiangong_award_year_range"),
        ]

    def __str__(self):
        return f"{self.year} {self.region.name}"
