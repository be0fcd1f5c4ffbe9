"""Forms of the upload flow: the file, the review comment, the upload list filter."""

import datetime
from pathlib import Path

import django_filters
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .access import COUNTY, regions_of, role_of
from .models import Upload

UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


def _year_bounds():
    return 1949, datetime.date.today().year + 1


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("Excel（.xlsx .xlsm .xls）或 CSV；推荐使用系统提供的填报模板"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
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
        if Path(file.name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("只接受 .xlsx、.xlsm、.xls 或 .csv 文件"))
        if file.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size)s），上限为 %(limit)s")
                % {"size": filesizeformat(file.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
            )
        return file

    def clean_year(self):
        year = self.cleaned_data["year"]
        low, high = _year_bounds()
        if year is not None and not low <= year <= high:
            raise forms.ValidationError(_("年份须在 %(low)d–%(high)d 之间") % {"low": low, "high": high})
        return year

    def parse_options(self):
        """What parse_upload needs besides the bytes; stored with the upload."""
        region = self.cleaned_data.get("region")
        return {"year": self.cleaned_data.get("year"), "region_code": region.code if region else None}


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
