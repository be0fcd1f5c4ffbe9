"""The upload flow (upload → preview → confirm → review) and the upload lists.

Who sees what lives in access.py: every upload is fetched through visible_uploads(), so another
county's drafts are 404. Writes go through services.py; the helpers at the bottom only read.
"""

import datetime
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import (
    allowed_region_codes,
    can_upload_for,
    review_step,
    reviewer_required,
    role_required,
    visible_uploads,
)
from .forms import ColumnsForm, ReviewForm, TemplateForm, UploadFilter, UploadForm
from .ingest import build_template
from .ingest.checks import change as value_change
from .models import Indicator, Observation, Region, Upload
from .selectors import ingest_catalog
from .services import (
    upload_approve,
    upload_cancel,
    upload_confirm,
    upload_create,
    upload_parse,
    upload_reread,
    upload_return,
    values_on_file,
)

PREVIEW_PAGE = 500
FLAG_LABELS = dict(Observation.Flag.choices)
LIST_PAGE = 50


@role_required
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    issues = []
    if request.method == "POST" and form.is_valid():
        (filename, data), options = form.payload(), form.parse_options()
        result = upload_parse(
            data=data, filename=filename, allowed_regions=allowed_region_codes(request.user), **options
        )
        if result.accepted:
            draft = upload_create(user=request.user, filename=filename, data=data, result=result, options=options)
            return _go(request, reverse("indicators:preview", args=[draft.pk]))
        issues = result.errors
    context = {
        "form": form,
        "issues": issues,
        "template_form": TemplateForm(user=request.user, initial={"region": form["region"].value()}),
        "drafts": visible_uploads(request.user).filter(status=Upload.Status.PREVIEW, uploaded_by=request.user)[:10],
    }
    if _is_xhr(request):  # the progress-bar form: errors come back as HTML to put in place
        return JsonResponse({"ok": False, "html": render_to_string("indicators/_upload_errors.html", context, request)})
    return render(request, "indicators/upload.html", context)


@role_required
def preview(request, pk):
    """The rows stored with the draft beside the values on file (read now: they may change before confirm)."""
    draft = get_object_or_404(visible_uploads(request.user).select_related("uploaded_by"), pk=pk)
    if draft.status != Upload.Status.PREVIEW:
        return redirect("indicators:detail", pk=pk)
    only_highlighted = request.GET.get("changed") == "1"
    counts, page = _preview_page(draft, only_highlighted, request.GET.get("page"))
    context = {
        "upload": draft,
        "counts": counts,
        "page": page,
        "only_highlighted": only_highlighted,
        "threshold_pct": f"{settings.UPLOAD_CHANGE_HIGHLIGHT * 100:g}",
        "threshold_points": f"{settings.UPLOAD_CHANGE_POINTS:g}",
        "is_mine": draft.uploaded_by_id == request.user.pk,
        "columns_form": ColumnsForm(columns=draft.options.get("columns", [])),
    }
    return render(request, "indicators/preview.html", context)


@role_required
@require_POST
def columns(request, pk):
    """Read the draft's columns again as the uploader chose (an indicator, or 忽略), then back to the preview."""
    draft = get_object_or_404(_own_drafts(request.user), pk=pk)
    form = ColumnsForm(request.POST, columns=draft.options.get("columns", []))
    column_map, remember = form.choices() if form.is_valid() else ({}, [])
    if column_map:
        try:
            upload_reread(
                upload=draft,
                column_map=column_map,
                remember=remember,
                allowed_regions=allowed_region_codes(request.user),
            )
            messages.success(request, _("已按所选指标重新读取各列"))
        except ValueError as exc:
            messages.error(request, str(exc), extra_tags="danger")
    return redirect("indicators:preview", pk=pk)


@role_required
@require_POST
def confirm(request, pk):
    draft = get_object_or_404(_own_drafts(request.user), pk=pk)
    try:
        summary = upload_confirm(
            upload=draft,
            allowed_regions=allowed_region_codes(request.user),
            confirmed_outliers={int(i) for i in request.POST.getlist("outlier") if i.isdigit()},
        )
    except ValueError as exc:  # the uploader's region rights changed since the preview
        # extra_tags: base.html renders alert-{{ m.tags }}, and Bootstrap calls the error colour "danger".
        messages.error(request, str(exc), extra_tags="danger")
        return redirect("indicators:preview", pk=pk)
    messages.success(
        request,
        _("已提交审核：新增 %(created)d 个、更新 %(updated)d 个、未变 %(unchanged)d 个数值")
        % {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged},
    )
    return redirect("indicators:detail", pk=pk)


@role_required
@require_POST
def cancel(request, pk):
    draft = get_object_or_404(_own_drafts(request.user), pk=pk)
    upload_cancel(upload=draft)
    messages.info(request, _("已取消上传“%(name)s”，未写入任何数据") % {"name": draft.original_name})
    return redirect("indicators:upload")


@role_required
def detail(request, pk):
    upload = get_object_or_404(
        visible_uploads(request.user).select_related("uploaded_by", "reviewed_by", "city_reviewed_by"), pk=pk
    )
    observations = upload.observations.select_related("region", "indicator").order_by(
        "region__code", "indicator__order", "indicator__code", "year"
    )
    page = Paginator(observations, PREVIEW_PAGE).get_page(request.GET.get("page"))
    context = {
        "upload": upload,
        "page": page,
        "rows": _history_rows(list(page), upload),
        "review_step": review_step(request.user, upload),
        "is_mine": upload.uploaded_by_id == request.user.pk,
        "review_form": ReviewForm(),
    }
    return render(request, "indicators/detail.html", context)


@reviewer_required
@require_POST
def approve(request, pk):
    upload = get_object_or_404(visible_uploads(request.user), pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        _review(request, upload_approve, upload, form.cleaned_data, _("已审核通过"))
    return redirect("indicators:detail", pk=pk)


@reviewer_required
@require_POST
def return_(request, pk):
    upload = get_object_or_404(visible_uploads(request.user), pk=pk)
    form = ReviewForm(request.POST, require_comment=True)
    if form.is_valid():
        _review(request, upload_return, upload, form.cleaned_data, _("已退回，数据不再显示"))
    else:
        messages.error(request, _("退回时必须填写意见"), extra_tags="danger")
    return redirect("indicators:detail", pk=pk)


@role_required
def upload_list(request):
    return _upload_list(request, visible_uploads(request.user), region=None)


@role_required
def county_uploads(request, code):
    region = get_object_or_404(Region, code=code)
    if not can_upload_for(request.user, code):
        raise Http404
    return _upload_list(request, visible_uploads(request.user).filter(regions=region), region=region)


@role_required
def template(request):
    form = TemplateForm(request.GET or None, user=request.user)
    code = request.GET.get("region", "")
    if not form.is_valid() or not can_upload_for(request.user, code):
        raise Http404
    region, year = form.cleaned_data["region"], form.cleaned_data["year"]
    if not 1949 <= year <= datetime.date.today().year + 1:
        raise Http404
    response = HttpResponse(
        _template_bytes(region, year), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = _("模板_%(region)s_%(year)d.xlsx") % {"region": region.name, "year": year}
    response["Content-Disposition"] = _attachment(name, fallback=f"template_{region.code}_{year}.xlsx")
    return response


# ---------------------------------------------------------------------------------------------
# Helpers (reads and presentation only)


def _upload_list(request, uploads, *, region):
    pending_first = Case(
        When(status__in=[Upload.Status.SUBMITTED, Upload.Status.CITY_CHECKED], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    uploads = (
        uploads.select_related("uploaded_by")
        .prefetch_related("regions")
        .annotate(pending=pending_first)
        .order_by("pending", "-uploaded_at", "-id")
    )
    filtered = UploadFilter(request.GET or None, queryset=uploads)
    page = Paginator(filtered.qs, LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "indicators/upload_list.html", {"filter": filtered, "page": page, "region": region})


def _own_drafts(user):
    """Previews the user may confirm or cancel: their own (a colleague or reviewer may only look)."""
    return visible_uploads(user).filter(status=Upload.Status.PREVIEW, uploaded_by=user)


def _is_xhr(request):
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


def _go(request, url):
    return JsonResponse({"ok": True, "redirect": url}) if _is_xhr(request) else redirect(url)


def _review(request, action, upload, data, success):
    """Run the review; its own upload or a step not the user's raises PermissionDenied, answered 403."""
    try:
        action(upload=upload, user=request.user, comment=data["comment"], override_reason=data["override_reason"])
    except ValueError as exc:  # not (or no longer) submitted: someone else reviewed it first
        messages.error(request, str(exc), extra_tags="danger")
        return
    messages.success(request, success)


def _attachment(filename, *, fallback):
    """Content-Disposition with an ASCII name for old clients and the real one per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _preview_page(draft, only_highlighted, number):
    """The counts of new, changed, unchanged and highlighted values, and one page of rows: the likely unit
    slips first (they wait for a tick beside the confirm button), then the rest in the parser's order; with
    ``only_highlighted``, only the slips and the values whose change is highlighted. Every value is compared
    with the one on file (read now: it may change before confirm), but only the page's rows are shaped."""
    values = draft.parsed_values()
    current = values_on_file(values)
    indicators = Indicator.objects.in_bulk(list({v.indicator_code for v in values}), field_name="code")
    olds = [current.get(v.key) for v in values]
    changes = [_change(old, v.value, indicators[v.indicator_code].unit) for old, v in zip(olds, values, strict=True)]
    counts = {kind: sum(c["kind"] == kind for c in changes) for kind in ("new", "changed", "same")}
    counts["highlight"] = sum(c["highlight"] for c in changes)
    slips = {o["row"]: o["message"] for o in draft.outliers}
    shown = [i for i, c in enumerate(changes) if not only_highlighted or c["highlight"] or i in slips]
    shown.sort(key=lambda i: i not in slips)
    page = Paginator(shown, PREVIEW_PAGE).get_page(number)
    picked = [(i, values[i], olds[i], changes[i], slips.get(i, "")) for i in page]
    page.object_list = _preview_rows(picked, indicators)
    return counts, page


def _preview_rows(picked, indicators):
    """The table rows of (index, parsed value, value on file, change, unit-slip message) tuples; ``indicators`` by
    code."""
    names = dict(Region.objects.filter(code__in={v.region_code for _, v, *_ in picked}).values_list("code", "name"))
    return [
        {
            "index": i,
            "value": v,
            "region_name": names.get(v.region_code, v.region_code),
            "indicator": indicators[v.indicator_code],
            "old": old,
            "old_text": _number(old),
            "value_text": _number(v.value),
            "outlier": slip,
            "flag_label": FLAG_LABELS.get(v.flag, ""),
            **change,
        }
        for i, v, old, change, slip in picked
    ]


def _number(value):
    """At most four decimals, no trailing zeros: 512.3 → "512.3", 30.0 → "30", None → ""."""
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def _change(old, new, unit):
    """checks.change under the settings, as template fields: kind, change, pct, points, highlight."""
    c = value_change(
        old,
        new,
        unit=unit,
        threshold=settings.UPLOAD_CHANGE_HIGHLIGHT,
        points=settings.UPLOAD_CHANGE_POINTS,
        floor=settings.UPLOAD_CHANGE_COUNT_FLOOR,
    )
    return {"kind": c.kind, "change": c.change, "pct": c.pct, "points": c.points, "highlight": c.highlight}


def _history_rows(observations, upload):
    """Each observation of the upload beside the version it followed (the highest lower version), if any."""
    earlier = {}
    if observations:
        rows = (
            Observation.objects.filter(
                region_id__in={o.region_id for o in observations},
                indicator_id__in={o.indicator_id for o in observations},
                year__in={o.year for o in observations},
            )
            .exclude(upload=upload)
            .values_list("region_id", "indicator_id", "year", "version", "value", "status")
        )
        for r, i, y, version, value, status in rows:
            earlier.setdefault((r, i, y), []).append((version, value, status))
    out = []
    for o in observations:
        before = [e for e in earlier.get((o.region_id, o.indicator_id, o.year), []) if e[0] < o.version]
        previous = max(before) if before else None
        old = previous[1] if previous else None
        out.append(
            {
                "obs": o,
                "previous": previous,
                "old": old,
                "old_text": _number(old),
                "value_text": _number(o.value),
                **_change(old, o.value, o.indicator.unit),
            }
        )
    return out


def _template_bytes(region, year):
    """The .xlsx template of the region's base indicators with last year's approved values."""
    levels = {"county": ["county"], "city": ["county", "city"]}.get(region.level, ["county", "city", "province"])
    codes = set(Indicator.objects.filter(kind=Indicator.Kind.BASE, level__in=levels).values_list("code", flat=True))
    catalog = ingest_catalog()
    spec = next(r for r in catalog.regions if r.code == region.code)
    previous = dict(
        Observation.objects.filter(region=region, year=year - 1, status=Observation.Status.APPROVED).values_list(
            "indicator__code", "value"
        )
    )
    return build_template(spec, year, [i for i in catalog.indicators if i.code in codes], previous)
