from django.urls import path

from . import views

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
]
