"""WTForms forms of the admin pages. Services validate again; forms give early, per-field help."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from participation.services.conferences import MAX_MIN_SUPPORTERS, TEXT_LANGUAGES
from participation.web.template_helpers import STATUS_LABELS, language_label


class WholeNumberField(IntegerField):
    """A whole number; one too long for any column is refused as not a number (a longer one
    would overflow the range check)."""

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0].strip()) > 12:
            self.data = None
            raise ValueError(str(_l("Must be a whole number.")))
        super().process_formdata(valuelist)


ROLE_CHOICES = [
    ("delegate", _l("Delegate")),
    ("observer", _l("Observer")),
    ("moderator", _l("Moderator")),
    ("admin", _l("Conference admin")),
]
STATUS_CHOICES = list(STATUS_LABELS.items())


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    town = StringField(_l("Town or district"), validators=[Optional(), Length(max=120)])
    active = BooleanField(_l("Active member"), default=True)


class PersonForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    is_admin = BooleanField(_l("Network staff (manages everything)"))
    password = PasswordField(
        _l("New password (staff only; leave empty to keep)"),
        validators=[Optional(), Length(min=10, max=200)],
    )


class ConferenceForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    number = WholeNumberField(_l("Number in the series"), validators=[NumberRange(min=1, max=999)])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=300)])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    languages = SelectMultipleField(
        _l("Languages of the texts"), choices=[(code, code) for code in TEXT_LANGUAGES]
    )
    line_width = WholeNumberField(
        _l("Characters per numbered line"), default=80, validators=[NumberRange(min=40, max=160)]
    )
    min_supporters = WholeNumberField(
        _l("Co-signing organisations needed before admission (0: no minimum)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=MAX_MIN_SUPPORTERS)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Named in the reader's language, which is known only now.
        self.languages.choices = [(code, language_label(code)) for code in TEXT_LANGUAGES]


class AgendaItemForm(FlaskForm):
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=20)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    parent_id = SelectField(_l("Part of"), coerce=int, default=0)


class AccreditationForm(FlaskForm):
    person_id = SelectField(_l("Person"), coerce=int, default=0)
    new_person_name = StringField(
        _l("… or a new person: name"), validators=[Optional(), Length(max=200)]
    )
    new_person_email = StringField(
        _l("E-mail address of the new person"),
        validators=[Optional(), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="delegate")
    organisation_id = SelectField(_l("Organisation represented"), coerce=int, default=0)
    voting_right = BooleanField(_l("Voting right"), default=True)
    vote_weight = WholeNumberField(
        _l("Vote weight"), default=1, validators=[NumberRange(min=1, max=1000)]
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("CSV files only"))],
    )


class CheckInForm(FlaskForm):
    code = StringField(_l("Access code"), validators=[DataRequired(), Length(max=64)])


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state."""


class SlipsForm(FlaskForm):
    accreditations = SelectMultipleField(_l("Accreditations"), coerce=int)
