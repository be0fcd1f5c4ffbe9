"""Forms of the upload flow: the file, the review comment, the upload list filter."""

import datetime
from pathlib import Path

import django_filters
from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .access import COUNTY, regions_of, role_of
from .models import Indicator, Upload

UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".docx")
PASTED_NAME = "粘贴的统计公报.txt"
MAX_PASTED_CHARS = 200_000


def _year_bounds():
    return 1949, datetime.date.today().year + 1


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("数据文件"),
        required=False,
        help_text=_("Excel（.xlsx .xlsm .xls）或 CSV；推荐使用系统提供的填报模板。统计公报可上传 .txt 或 .docx"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )
    text = forms.CharField(
        label=_("或粘贴统计公报文字"),
        required=False,
        max_length=MAX_PASTED_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "例如“规模以上工业增加值31.25亿元，比上年增长8.1%”；须选择地区和年份，逐句读出的数值先预览，确认后才提交"
        ),
    )
    year = forms.IntegerField(
        label=_("年份"), required=False, help_text=_("单一年份的文件可注明年份；表名或标题中已有年份时可留空")
    )
    region = RegionChoiceField(
        label=_("地区"),
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label=_("不指定（全省汇总表等多地区文件）"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = _year_bounds()
        self.fields["year"].widget.attrs.update(min=low, max=high)
        region = self.fields["region"]
        region.queryset = regions_of(user).filter(valid_to__isnull=True).order_by("code")
        if role_of(user) == COUNTY:  # their own region(s) only, the first preselected
            region.required, region.empty_label = True, None
            region.help_text = _("只能上传本地区的数据")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if not file:
            return file
        if Path(file.name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("只接受 .xlsx、.xlsm、.xls、.csv、.txt 或 .docx 文件"))
        if file.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size)s），上限为 %(limit)s")
                % {"size": filesizeformat(file.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
            )
        return file

    def clean(self):
        data = super().clean()
        file, text = data.get("file"), data.get("text")
        if bool(file) == bool(text) and "file" not in self.errors and "text" not in self.errors:
            raise forms.ValidationError(_("请选择一个文件，或粘贴统计公报文字（二者选一）"))
        if text and (data.get("year") is None or data.get("region") is None):
            raise forms.ValidationError(_("粘贴统计公报文字时须选择地区和年份"))
        return data

    def payload(self):
        """(file name, bytes) of what was sent: the file, or the pasted text as a UTF-8 .txt."""
        file = self.cleaned_data.get("file")
        if file:
            return file.name, file.read()
        return PASTED_NAME, self.cleaned_data["text"].encode("utf-8")

    def clean_year(self):
        year = self.cleaned_data["year"]
        low, high = _year_bounds()
        if year is not None and not low <= year <= high:
            raise forms.ValidationError(_("年份须在 %(low)d–%(high)d 之间") % {"low": low, "high": high})
        return year

    def parse_options(self):
        """What parse_upload needs besides the bytes; stored with the upload. On the web an unknown column is
        skipped and listed: the preview offers a choice for it (an indicator, or 忽略)."""
        region = self.cleaned_data.get("region")
        return {
            "year": self.cleaned_data.get("year"),
            "region_code": region.code if region else None,
            "skip_unknown": True,
        }


SKIP = "__skip__"


class SharedOptionsSelect(forms.Select):
    """A select whose options are rendered once, as a string, and shared by every column's select. Django's
    Select renders each option through a template: with the catalog's ~190 indicators that took ~25 ms a select,
    1.2 s for a province roll-up's 48 headers."""

    def __init__(self, options_html, attrs=None):
        super().__init__(attrs)
        self.options_html = options_html

    def render(self, name, value, attrs=None, renderer=None):
        options = self.options_html
        if value:
            chosen = format_html('value="{}"', value)
            options = options.replace(chosen, f"{chosen} selected", 1)
        final = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html(
            '<select name="{}"{}>{}</select>', name, final, mark_safe(options)
        )  # options: format_html_join escaped them


class ColumnsForm(forms.Form):
    """How each column of a draft is read: kept as it is, read as another indicator, or 忽略 (skipped); a
    choice may be remembered as an alias of the indicator."""

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        # One row per header: a choice applies to every column so headed (column_map is keyed by header), and a
        # province roll-up repeats its 48 headers on each of 10 sheets — 480 selects of ~190 options took the
        # preview 16 s to render. `more` counts the other columns the row stands for.
        by_header = {}
        for col in columns:
            if col["header"] in by_header:
                by_header[col["header"]]["more"] += 1
            else:
                by_header[col["header"]] = {**col, "more": 0}
        self.columns = list(by_header.values())
        choices = [
            ("", _("保持")),
            (SKIP, _("忽略此列")),
            *Indicator.objects.order_by("order", "code").values_list("code", "name"),
        ]
        options = format_html_join("", '<option value="{}">{}</option>', ((v, str(label)) for v, label in choices))
        for i, col in enumerate(self.columns):
            self.fields[f"col{i}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=col["header"],
                widget=SharedOptionsSelect(options, attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"remember{i}"] = forms.BooleanField(required=False, label=_("记为别名"))

    def rows(self):
        """(column reading, its choice field, its remember field) for the template."""
        return [(col, self[f"col{i}"], self[f"remember{i}"]) for i, col in enumerate(self.columns)]

    def choices(self):
        """({header: indicator code, or "" to skip}, [headers to remember]) for the columns the user changed."""
        column_map, remember = {}, []
        for i, col in enumerate(self.columns):
            choice = self.cleaned_data.get(f"col{i}")
            if not choice:
                continue
            column_map[col["header"]] = "" if choice == SKIP else choice
            if choice != SKIP and self.cleaned_data.get(f"remember{i}"):
                remember.append(col["header"])
        return column_map, remember


class TemplateForm(forms.Form):
    """The small GET form on the upload page that downloads the template of one region and year."""

    region = RegionChoiceField(label=_("地区"), queryset=None, to_field_name="code", empty_label=None)
    year = forms.IntegerField(label=_("年份"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_of(user).filter(valid_to__isnull=True).order_by("code")
        self.fields["year"].initial = datetime.date.today().year - 1


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # only a superuser reviewing their own upload fills this; it is kept in the audit trail
    override_reason = forms.CharField(
        label=_("审核本人上传的理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, require_comment=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = require_comment


class UploadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Upload.Status.choices, empty_label=_("全部"))

    class Meta:
        model = Upload
        fields = ["status"]
