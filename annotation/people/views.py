"""People and roles, for admins: Redline's own pages (the Django admin stays for emergencies)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotation.access import admin_required, request_user
from annotation.people.manage import PeopleRefused, check_new_person, do_create_person, do_update_person
from annotation.users import Role, User

ROLES = [(role.value, role.label) for role in Role]


class PersonForm(forms.Form):
    username = forms.RegexField(regex=r"\A[\w.@+-]{1,150}\Z", max_length=150)
    email = forms.EmailField(required=False)
    roles = forms.MultipleChoiceField(choices=ROLES, widget=forms.CheckboxSelectMultiple, initial=[Role.CONTRACTOR])
    password = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Leave empty to generate one (shown once)."
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=ROLES, required=False)
    active = forms.BooleanField(required=False)


@admin_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        for field, problem in check_new_person(data["username"], data["email"], data["password"]).items():
            form.add_error(field, problem)
        if not form.errors:
            user, generated = do_create_person(data["username"], data["email"], data["roles"], data["password"])
            messages.success(request, f"Account {user.username!r} created.")
            if not generated:
                return redirect("people")
            # Shown in this answer only: a redirect would carry it in the messages cookie.
            return _page(request, PersonForm(), {"created": user, "generated": generated})
    return _page(request, form, {}, status=400 if form.errors else 200)


def _page(request: HttpRequest, form: PersonForm, extra: dict[str, object], status: int = 200) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    role = request.GET.get("role", "")
    users = User.objects.prefetch_related("groups").order_by("username")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(email__icontains=query))
    if role in Role.values:
        users = users.filter(groups__name=role)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "query": query, "role": role, "roles": ROLES, **extra}
    return render(request, "annotation/people.html", context, status=status)


@admin_required
@require_POST
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "roles: choose among contractor, researcher, admin.")
        return redirect("people")
    try:
        do_update_person(request_user(request), person, form.cleaned_data["roles"], form.cleaned_data["active"])
    except PeopleRefused as exc:
        messages.error(request, f"Not changed: {exc}")
    else:
        messages.success(request, f"{person.username}: saved.")
    return redirect("people")
