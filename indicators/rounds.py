"""Reporting rounds: who owes which figures for a year, who has sent them, and the lock a closed round puts
on the year's approved values. Reads (round_status, upload_notes) and writes (round_open, round_close,
send_reminders) of rounds live here; the review of uploads stays in services.py.

A county's state in a round is read from its uploads for the year, newest submission first:
未开始 (none), 草稿 (only an unconfirmed draft), 已提交, 已退回, 市级已审, 已审核."""

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import notify
from .ingest.results import Issue
from .models import Indicator, Observation, Region, ReportingRound, Upload
from .versioning import data_changed

NOT_STARTED, DRAFT = gettext_lazy("未开始"), gettext_lazy("草稿")
STATE_OF_UPLOAD = {
    Upload.Status.SUBMITTED: gettext_lazy("已提交"),
    Upload.Status.RETURNED: gettext_lazy("已退回"),
    Upload.Status.CITY_CHECKED: gettext_lazy("市级已审"),
    Upload.Status.APPROVED: gettext_lazy("已审核"),
}
STATES = [NOT_STARTED, DRAFT, *STATE_OF_UPLOAD.values()]
FIELDS = ["region_code", "region_name", "city", "state", "required", "filled", "submitted_at", "on_time"]
STANDING = (Upload.Status.SUBMITTED, Upload.Status.CITY_CHECKED, Upload.Status.APPROVED)


def template_indicators():
    """The indicators a county's template asks for: the base indicators filled at county level."""
    return Indicator.objects.filter(kind=Indicator.Kind.BASE, level=Indicator.Level.COUNTY)


def counties_of(year):
    """The counties that exist in `year` (a unit set up or abolished that year counts)."""
    return (
        Region.objects.filter(level=Region.Level.COUNTY)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=year))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=year))
        .select_related("parent")
        .order_by("code")
    )


# ---------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def round_open(*, year, deadline, user=None, indicator_codes=None, reason=""):
    """Open the round of `year` (required: the codes given, by default the template's indicators), or reopen a
    closed one, which needs a reason (kept as its history's change reason). ValueError on a problem."""
    rnd = ReportingRound.objects.select_for_update().filter(year=year).first()
    if rnd is not None and not rnd.is_closed:
        raise ValueError(_("%(year)d年的填报轮次已在进行中") % {"year": year})
    if rnd is not None and not reason.strip():
        raise ValueError(_("重新开启已关闭的轮次须填写原因"))
    indicators = template_indicators()
    if indicator_codes:
        indicators = Indicator.objects.filter(code__in=indicator_codes)
        unknown = sorted(set(indicator_codes) - set(indicators.values_list("code", flat=True)))
        if unknown:
            raise ValueError(_("未知指标代码：%(codes)s") % {"codes": ", ".join(unknown)})
    rnd = rnd or ReportingRound(year=year, opened_by=user)
    rnd.deadline, rnd.state, rnd.closed_at = deadline, ReportingRound.State.OPEN, None
    rnd._change_reason = reason.strip() or _("开启填报轮次")
    rnd.full_clean(exclude=["indicators"])
    rnd.save()
    if indicator_codes or not rnd.indicators.exists():
        rnd.indicators.set(indicators)
    return rnd


@transaction.atomic
def round_close(*, year, reason=""):
    """Close the round: its year's approved values are locked (a later upload is a revision)."""
    rnd = ReportingRound.objects.select_for_update().filter(year=year).first()
    if rnd is None:
        raise ValueError(_("%(year)d年没有填报轮次") % {"year": year})
    if rnd.is_closed:
        raise ValueError(_("%(year)d年的填报轮次已关闭") % {"year": year})
    rnd.state, rnd.closed_at = ReportingRound.State.CLOSED, timezone.now()
    rnd._change_reason = reason.strip() or _("关闭填报轮次")
    rnd.save()
    data_changed()  # the pages say which years are locked
    return rnd


def send_reminders(*, days, today=None):
    """Remind counties that have not submitted, in each open round whose deadline is at most `days` away or
    has passed, each official at most once a day per round (a second run the same day tells nobody again).
    Returns {year: number of users told}."""
    today = today or timezone.localdate()
    sent = {}
    due = ReportingRound.objects.filter(state=ReportingRound.State.OPEN, deadline__lte=today + datetime.timedelta(days))
    for rnd in due:
        owing = [r["region_id"] for r in round_status(rnd) if r["submitted_at"] is None]
        with transaction.atomic():
            # two runs at once: the second waits here, then sees the first's notifications and skips them
            ReportingRound.objects.select_for_update().get(pk=rnd.pk)
            sent[rnd.year] = notify.deadline_reminder(rnd, owing, today) if owing else 0
    return sent


# ---------------------------------------------------------------------------------------------
# Reads


def locked_years(years):
    """The years among `years` whose round is closed."""
    return set(
        ReportingRound.objects.filter(year__in=set(years), state=ReportingRound.State.CLOSED).values_list(
            "year", flat=True
        )
    )


def round_status(rnd, *, city=None):
    """One record per county of the round's year (FIELDS, plus region_id and city_code); `city` (a code)
    narrows it. submitted_at is the first submission still standing (or the last returned one); on_time
    compares its local date with the deadline, None while nothing is sent and the deadline is ahead."""
    counties = counties_of(rnd.year)
    if city:
        counties = counties.filter(parent__code=city)
    counties = list(counties)
    required = set(rnd.indicators.values_list("pk", flat=True))
    filled = dict(
        Observation.objects.filter(
            region__in=counties, year=rnd.year, industry="", is_current=True, indicator__in=required
        )
        .exclude(status=Observation.Status.RETURNED)
        .values("region_id")
        .annotate(n=Count("indicator", distinct=True))
        .values_list("region_id", "n")
    )
    uploads = {}
    links = Upload.regions.through.objects.filter(region__in=counties).exclude(upload__status="superseded")
    for region_id, status, years, submitted_at in links.values_list(
        "region_id", "upload__status", "upload__years", "upload__submitted_at"
    ):
        if rnd.year in (years or []):
            uploads.setdefault(region_id, []).append((status, submitted_at))
    past_deadline = timezone.localdate() > rnd.deadline
    records = []
    for county in counties:
        state, submitted_at = _state(uploads.get(county.pk, []))
        on_time = (
            (timezone.localdate(submitted_at) <= rnd.deadline) if submitted_at else (False if past_deadline else None)
        )
        records.append(
            {
                "region_id": county.pk,
                "region_code": county.code,
                "region_name": county.name,
                "city": county.parent.name if county.parent else "",
                "city_code": county.parent.code if county.parent else "",
                "state": state,  # a lazy label: the page shows it in the reader's language
                "required": len(required),
                "filled": filled.get(county.pk, 0),
                "submitted_at": submitted_at,
                "on_time": on_time,
            }
        )
    return records


def export_rows(records):
    """The records as round_status writes them: FIELDS only, state as the Chinese label whatever the reader's
    language (the contract: 未开始 / 草稿 / 已提交 / 已退回 / 市级已审 / 已审核), submitted_at in ISO 8601."""
    out = []
    with translation.override("zh-hans"):
        for r in records:
            at = r["submitted_at"]
            out.append(
                {
                    **{k: r[k] for k in FIELDS},
                    "state": str(r["state"]),
                    "submitted_at": timezone.localtime(at).isoformat() if at else None,
                }
            )
    return out


def _state(uploads):
    """(state, submitted_at) of one county from its uploads' (status, submitted_at) for the year."""
    sent = sorted((u for u in uploads if u[1] is not None), key=lambda u: u[1])
    if not sent:
        return (DRAFT if uploads else NOT_STARTED), None
    standing = [at for status, at in sent if status in STANDING]
    status, last = sent[-1]
    return STATE_OF_UPLOAD.get(status, STATE_OF_UPLOAD[Upload.Status.SUBMITTED]), (standing[0] if standing else last)


def round_counts(records):
    """{state: how many counties}, in the order of STATES."""
    counts = {str(s): 0 for s in STATES}
    for r in records:
        counts[str(r["state"])] += 1
    return counts


def upload_notes(values):
    """Warnings for an upload against the rounds of its years: a county that leaves required indicators out
    (partial: accepted, naming what is missing), and values that change a closed round's approved figures
    (a revision: needs approval, naming each change)."""
    years = {v.year for v in values}
    rounds = {r.year: r for r in ReportingRound.objects.filter(year__in=years).prefetch_related("indicators")}
    if not rounds:
        return []
    counties = dict(
        Region.objects.filter(code__in={v.region_code for v in values}, level=Region.Level.COUNTY).values_list(
            "code", "name"
        )
    )
    notes = []
    for year, rnd in sorted(rounds.items()):
        for code, name in sorted(counties.items()):
            sent = {v.indicator_code for v in values if v.year == year and v.region_code == code and not _industry(v)}
            missing = [i.name for i in rnd.indicators.all() if i.code not in sent]
            if sent and missing:
                message = _("%(region)s %(year)d年缺少本轮必报指标 %(n)d 项（部分提交）：%(names)s")
                notes.append(
                    Issue(
                        "", "", message % {"region": name, "year": year, "n": len(missing), "names": "、".join(missing)}
                    )
                )
    notes += _revisions(values, {y for y, r in rounds.items() if r.is_closed})
    return notes


def _industry(value):
    return getattr(value, "industry", "")


def _revisions(values, closed):
    """One warning per value that changes an approved figure of a closed round's year."""
    from .services import same_value  # services reads this module's notes when it parses

    values = [v for v in values if v.year in closed and not _industry(v)]
    if not values:
        return []
    approved = {
        (r, i, y): value
        for r, i, y, value in Observation.objects.filter(
            status=Observation.Status.APPROVED,
            industry="",
            year__in={v.year for v in values},
            region__code__in={v.region_code for v in values},
            indicator__code__in={v.indicator_code for v in values},
        ).values_list("region__code", "indicator__code", "year", "value")
    }
    names = dict(Indicator.objects.filter(code__in={v.indicator_code for v in values}).values_list("code", "name"))
    regions = dict(Region.objects.filter(code__in={v.region_code for v in values}).values_list("code", "name"))
    notes = []
    for v in values:
        old = approved.get((v.region_code, v.indicator_code, v.year))
        if old is not None and not same_value(old, v.value):
            message = _("修订已关闭轮次的已审核数据：%(region)s %(year)d年 %(indicator)s %(old)g → %(new)g")
            notes.append(
                Issue(
                    v.sheet,
                    v.cell,
                    message
                    % {
                        "region": regions.get(v.region_code, v.region_code),
                        "year": v.year,
                        "indicator": names.get(v.indicator_code, v.indicator_code),
                        "old": old,
                        "new": v.value,
                    },
                )  # fmt: skip
            )
    return notes
