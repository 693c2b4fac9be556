"""Public pages of the guide."""

from django.urls import path

from places import views

app_name = "places"

urlpatterns = [
    path("", views.home, name="home"),
    path("places/<slug:slug>/", views.place_detail, name="detail"),
    path("places/<slug:slug>/nearby/", views.place_nearby, name="nearby"),
]
