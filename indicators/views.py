from django.shortcuts import render


def upload(request):
    """Placeholder until the upload flow lands."""
    return render(request, "indicators/upload.html", {})
