from django.urls import path

from . import round_views, views

app_name = "indicators"

# Every view here needs a login whatever DASHBOARD_PUBLIC says; tests/test_access.py checks each one.
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("upload/template/", views.template, name="template"),
    path("upload/<int:pk>/", views.detail, name="detail"),
    path("upload/<int:pk>/preview/", views.preview, name="preview"),
    path("upload/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("upload/<int:pk>/columns/", views.columns, name="columns"),
    path("upload/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("upload/<int:pk>/approve/", views.approve, name="approve"),
    path("upload/<int:pk>/return/", views.return_, name="return"),
    path("uploads/", views.upload_list, name="uploads"),
    path("county/<str:code>/uploads/", views.county_uploads, name="county_uploads"),
    path("rounds/", round_views.round_list, name="rounds"),
    path("rounds/<int:year>/", round_views.round_detail, name="round"),
    path("rounds/<int:year>/close/", round_views.round_close, name="round_close"),
    path("rounds/<int:year>/reopen/", round_views.round_reopen, name="round_reopen"),
    path("inbox/", round_views.inbox, name="inbox"),
    path("inbox/<int:pk>/", round_views.inbox_open, name="inbox_open"),
    path("inbox/read/", round_views.inbox_read, name="inbox_read"),
]
