"""A researcher's webhooks: add one, see its secret and every delivery, ping it, switch it off."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.validators import URLValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotation.access import get_webhook_for_user, request_user, researcher_required, webhooks_for
from annotation.hooks.events import do_queue_deliveries
from annotation.hooks.models import Delivery, DeliveryStatus, Event, Webhook

LISTENABLE = [(event.value, event.label) for event in Event if event != Event.PING]
MAX_HOOKS_PER_OWNER = 20


class WebhookForm(forms.Form):
    url = forms.CharField(max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    events = forms.MultipleChoiceField(choices=LISTENABLE, widget=forms.CheckboxSelectMultiple)


@researcher_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = WebhookForm(request.POST or None, initial={"events": [e for e, _ in LISTENABLE]})
    if request.method == "POST" and form.is_valid():
        if Webhook.objects.filter(owner=user).count() >= MAX_HOOKS_PER_OWNER:
            form.add_error(None, f"You have {MAX_HOOKS_PER_OWNER} webhooks already: delete one first.")
        else:
            hook = Webhook.objects.create(owner=user, url=form.cleaned_data["url"], events=form.cleaned_data["events"])
            messages.success(request, "Webhook added. Its secret signs every delivery: keep it on your receiver.")
            return redirect("webhook-detail", pk=hook.pk)
    hooks = webhooks_for(user).order_by("-created_at")
    status = 400 if form.errors else 200
    return render(request, "annotation/webhooks.html", {"hooks": hooks, "form": form}, status=status)


@researcher_required
@require_http_methods(["GET"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hook = get_webhook_for_user(request, pk)
    deliveries = Delivery.objects.filter(webhook=hook).order_by("-created_at", "-id")[:100]
    return render(request, "annotation/webhook_detail.html", {"hook": hook, "deliveries": deliveries})


@researcher_required
@require_POST
def webhook_ping(request: HttpRequest, pk: int) -> HttpResponse:
    hook = get_webhook_for_user(request, pk)
    do_queue_deliveries([hook], Event.PING, {"webhook": hook.pk, "message": "Hello from Redline."})
    messages.success(request, "Ping queued: it appears in the log below once the worker has sent it.")
    return redirect("webhook-detail", pk=hook.pk)


@researcher_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    hook = get_webhook_for_user(request, pk)
    hook.active = not hook.active
    hook.save(update_fields=("active",))
    messages.success(request, "Webhook switched on." if hook.active else "Webhook switched off: events are not sent.")
    return redirect("webhook-detail", pk=hook.pk)


@researcher_required
@require_POST
def webhook_redeliver(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    hook = get_webhook_for_user(request, pk)
    delivery = get_object_or_404(Delivery, pk=delivery_pk, webhook=hook)
    if delivery.status != DeliveryStatus.FAILED:
        messages.error(request, "Only a failed delivery can be sent again.")
    else:
        do_queue_deliveries([hook], delivery.event, delivery.payload.get("data", {}))
        messages.success(request, "Sent again as a new delivery.")
    return redirect("webhook-detail", pk=hook.pk)


@researcher_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    hook = get_webhook_for_user(request, pk)
    hook.delete()
    messages.success(request, "Webhook deleted with its delivery log.")
    return redirect("webhook-list")
