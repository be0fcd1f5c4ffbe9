"""Reporting rounds (/rounds/) and the inbox (/inbox/). Reads come from rounds.py, writes go through it."""

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import rounds
from .access import REVIEWERS, allowed_region_codes, reviewer_required, role_of
from .exporting import write_records
from .models import Notification, Region, ReportingRound


class RoundForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=1949, max_value=2100)
    deadline = forms.DateField(label=gettext_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    indicators = forms.CharField(
        label=gettext_lazy("必报指标代码"), required=False, help_text=gettext_lazy("逗号分隔；留空为填报模板的全部指标")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=500)


def _province_only(user):
    if role_of(user) not in REVIEWERS:
        raise PermissionDenied


@reviewer_required
def round_list(request):
    form = RoundForm(request.POST or None)
    if request.method == "POST":
        _province_only(request.user)
        if form.is_valid():
            data = form.cleaned_data
            codes = [c.strip() for c in data["indicators"].split(",") if c.strip()]
            try:
                rounds.round_open(
                    year=data["year"], deadline=data["deadline"], user=request.user, indicator_codes=codes
                )
                return redirect("indicators:round", year=data["year"])
            except ValueError as exc:
                form.add_error(None, str(exc))
    listed = ReportingRound.objects.annotate(required=Count("indicators"))
    return render(request, "indicators/rounds.html", {"form": form, "rounds": listed})


@reviewer_required
def round_detail(request, year):
    rnd = get_object_or_404(ReportingRound, year=year)
    allowed = allowed_region_codes(request.user)  # city staff: their city's counties only
    cities = Region.objects.filter(level=Region.Level.CITY, valid_to__isnull=True)
    if allowed is not None:
        cities = cities.filter(code__in=allowed)
    city = request.GET.get("city", "") if allowed is None else cities.values_list("code", flat=True).first()
    records = rounds.round_status(rnd, city=city or None)
    fmt = request.GET.get("format")
    if fmt in ("csv", "json"):
        return _download(records, rnd.year, fmt)
    context = {"round": rnd, "records": records, "counts": rounds.round_counts(records), "cities": cities,
               "city": city, "can_manage": role_of(request.user) in REVIEWERS, "reason_form": ReasonForm()}  # fmt: skip
    return render(request, "indicators/round_detail.html", context)


@reviewer_required
@require_POST
def round_close(request, year):
    _province_only(request.user)
    try:
        rounds.round_close(year=year)
        messages.success(request, _("填报轮次已关闭，已审核数据已锁定"))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("indicators:round", year=year)


@reviewer_required
@require_POST
def round_reopen(request, year):
    _province_only(request.user)
    rnd = get_object_or_404(ReportingRound, year=year)
    form = ReasonForm(request.POST)
    try:
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        rounds.round_open(year=year, deadline=rnd.deadline, user=request.user, reason=reason)
        messages.success(request, _("填报轮次已重新开启"))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("indicators:round", year=year)


def _download(records, year, fmt):
    stream = io.StringIO()
    write_records(stream, rounds.export_rows(records), rounds.FIELDS, fmt)
    content_type = "application/json" if fmt == "json" else "text/csv"
    body = stream.getvalue() if fmt == "json" else "\ufeff" + stream.getvalue()  # the BOM: Excel reads UTF-8
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="round_{year}.{fmt}"'
    return response


def inbox(request):
    """The user's notifications, newest first; unread ones are marked until opened or all marked read."""
    page = Paginator(Notification.objects.filter(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "indicators/inbox.html", {"page": page})


def inbox_open(request, pk):
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    safe = url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()})
    return redirect(note.url if note.url and safe else "indicators:inbox")


@require_POST
def inbox_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("indicators:inbox")
