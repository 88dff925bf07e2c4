"""A tenant's custom text for the hosted pages (Auth0 `PUT /prompts/{prompt}/custom-text/{language}`):
Auth0's prompt, screen and text names mapped to the words of `templates/locales`, and Auth0's
`${variable}`s to ours.

Stored as the tenant sent it; compiled into the tenant's snapshot as `{locale: {key: text}}`, which
the pages lay over the locale's built-in words. A text keeps only the variables its built-in words
have (as `{name}` placeholders, filled in where those words are); every other brace is dropped, so
custom text can never break a page's formatting. The pages escape it like any other text.
"""

from __future__ import annotations

import re
from typing import Any

from edgeauth.locales import available, messages

# Auth0's prompts (the path segment); text for a screen edgeauth has no page for is stored and
# returned, and shows nowhere.
PROMPTS = frozenset(
    {
        "login", "login-id", "login-password", "login-passwordless", "login-email-verification",
        "signup", "signup-id", "signup-password", "phone-identifier-enrollment",
        "phone-identifier-challenge", "email-identifier-challenge", "reset-password", "custom-form",
        "consent", "customized-consent", "logout", "mfa-push", "mfa-otp", "mfa-voice", "mfa-phone",
        "mfa-webauthn", "mfa-sms", "mfa-email", "mfa-recovery-code", "mfa", "status",
        "device-flow", "email-verification", "email-otp-challenge", "organizations", "invitation",
        "common", "passkeys", "captcha", "brute-force-protection", "async-approval-flow",
    }
)  # fmt: skip

# The Auth0 prompt and screen of each page (`prompt.name`, `prompt.screen.name` in the template).
PAGE_SCREENS = {
    "login.html": ("login", "login"),
    "login_id.html": ("login-id", "login-id"),
    "login_password.html": ("login-password", "login-password"),
    "signup.html": ("signup", "signup"),
    "reset_request.html": ("reset-password", "reset-password-request"),
    "reset.html": ("reset-password", "reset-password"),
    "passwordless_code.html": ("login-passwordless", "login-passwordless-email-code"),
    "error.html": ("common", "error"),
}
MESSAGE_SCREENS = {
    "reset_request.sent": ("reset-password", "reset-password-email"),
    "reset.done": ("reset-password", "reset-password-success"),
    "reset.failed": ("reset-password", "reset-password-error"),
    "verification.done": ("email-verification", "email-verification-result"),
    "verification.failed": ("email-verification", "email-verification-result"),
}
# edgeauth's own screens for the words of its built-in emails (Auth0 has none: its emails are
# templates), so a tenant's custom text reaches the emails as it reaches the pages.
EMAIL_SCREENS = {
    ("reset-password", "reset-password-email-message"): "reset_email",
    ("email-verification", "email-verification-email-message"): "verify_email",
    ("email-verification", "welcome-email-message"): "welcome_email",
    ("login-passwordless", "login-passwordless-email-code-message"): "passwordless_code",
    ("login-passwordless", "login-passwordless-email-link-message"): "passwordless_link",
}
EMAIL_TEXTS = {"subject": "subject", "title": "heading", "description": "body", "buttonText": "action"}
FOOTER_SCREEN = ("common", "email-message")  # `footerText`: the line under every email
# Auth0's login screen: (prompt, screen, text name) → the locale key it replaces.
LOGIN_TEXT = {
    ("login", "login", "pageTitle"): "login.title",
    ("login", "login", "title"): "login.heading",
    ("login", "login", "description"): "login.description",
    ("login", "login", "emailPlaceholder"): "login.email",
    ("login", "login", "passwordPlaceholder"): "login.password",
    ("login", "login", "buttonText"): "login.submit",
    ("login", "login", "forgotPasswordText"): "login.forgot_password",
    ("login", "login", "signupActionText"): "login.signup_prompt",
    ("login", "login", "signupActionLinkText"): "login.signup_link",
    ("login", "login", "federatedConnectionButtonText"): "login.continue_with",
    ("login", "login", "wrong-credentials"): "error.wrong_credentials",
}
# Auth0's MFA screens: (prompt, screen) → {Auth0 text name: locale key}.
MFA_SCREENS = {
    ("mfa", "mfa-begin-enroll-options"): {
        "title": "mfa.choose_title", "description": "mfa.choose_description",
    },
    ("mfa-otp", "mfa-otp-enrollment-qr"): {
        "title": "mfa.enroll_title", "description": "mfa.enroll_description", "buttonText": "mfa.submit",
        "placeholder": "mfa.code",
    },
    ("mfa-otp", "mfa-otp-challenge"): {
        "title": "mfa.title", "description": "mfa.description", "buttonText": "mfa.submit",
        "placeholder": "mfa.code", "rememberMeText": "mfa.remember",
    },
    ("mfa-recovery-code", "mfa-recovery-code-challenge"): {
        "title": "mfa.recovery_title", "description": "mfa.recovery_description", "buttonText": "mfa.submit",
        "placeholder": "mfa.recovery_label",
    },
    ("mfa-recovery-code", "mfa-recovery-code-enrollment"): {
        "title": "mfa.first_recovery_title", "description": "mfa.first_recovery_message",
        "buttonText": "mfa.continue",
    },
    ("mfa-email", "mfa-email-challenge"): {
        "title": "mfa.title", "description": "passwordless.description", "buttonText": "mfa.submit",
        "placeholder": "mfa.code", "resendActionText": "login.passwordless",
    },
    **{
        ("mfa-webauthn", f"mfa-webauthn-{kind}-{step}"): {
            name: f"mfa.webauthn-{kind}{suffix}_{part}"
            for name, part in (("title", "title"), ("description", "description"), ("buttonText", "button"))
        }
        for kind in ("roaming", "platform")
        for step, suffix in (("enrollment", ".enroll"), ("challenge", ""))
    },
}  # fmt: skip
# Every screen edgeauth has a page for: (prompt, screen, Auth0 text name) → the locale key.
SCREEN_TEXT: dict[tuple[str, str, str], str] = {
    **LOGIN_TEXT,
    # Identifier-first (docs/management-api.md): the email step shares the login screen's words.
    **{
        ("login-id", "login-id", name): key
        for (_, _, name), key in LOGIN_TEXT.items()
        if name not in ("passwordPlaceholder", "forgotPasswordText", "wrong-credentials")
    },
    ("login-password", "login-password", "title"): "login_password.heading",
    ("login-password", "login-password", "description"): "login_password.description",
    ("login-password", "login-password", "passwordPlaceholder"): "login.password",
    ("login-password", "login-password", "buttonText"): "login.submit",
    ("login-password", "login-password", "forgotPasswordText"): "login.forgot_password",
    ("login-password", "login-password", "editEmailText"): "login.edit_email",
    ("login-password", "login-password", "wrong-credentials"): "error.wrong_credentials",
    ("signup", "signup", "pageTitle"): "signup.title",
    ("signup", "signup", "title"): "signup.heading",
    ("signup", "signup", "description"): "signup.description",
    ("signup", "signup", "buttonText"): "signup.submit",
    ("signup", "signup", "loginActionText"): "signup.login_prompt",
    ("signup", "signup", "loginActionLinkText"): "signup.login_link",
    ("reset-password", "reset-password-request", "pageTitle"): "reset_request.title",
    ("reset-password", "reset-password-request", "title"): "reset_request.heading",
    ("reset-password", "reset-password-request", "description"): "reset_request.description",
    ("reset-password", "reset-password-request", "buttonText"): "reset_request.submit",
    ("reset-password", "reset-password-request", "backToLoginLinkText"): "reset_request.back",
    ("reset-password", "reset-password-email", "title"): "reset_request.sent.heading",
    ("reset-password", "reset-password-email", "description"): "reset_request.sent.message",
    ("reset-password", "reset-password", "pageTitle"): "reset.title",
    ("reset-password", "reset-password", "title"): "reset.heading",
    ("reset-password", "reset-password", "description"): "reset.description",
    ("reset-password", "reset-password", "passwordPlaceholder"): "reset.password",
    ("reset-password", "reset-password", "reEnterpasswordPlaceholder"): "reset.confirm",
    ("reset-password", "reset-password", "buttonText"): "reset.submit",
    ("reset-password", "reset-password-success", "eventTitle"): "reset.done.heading",
    ("reset-password", "reset-password-success", "description"): "reset.done.message",
    ("reset-password", "reset-password-error", "eventTitle"): "reset.failed.heading",
    ("reset-password", "reset-password-error", "description"): "reset.failed.message",
    ("login-passwordless", "login-passwordless-email-code", "pageTitle"): "passwordless.title",
    ("login-passwordless", "login-passwordless-email-code", "title"): "passwordless.heading",
    ("login-passwordless", "login-passwordless-email-code", "description"): "passwordless.description",
    ("login-passwordless", "login-passwordless-email-code", "codePlaceholder"): "passwordless.code",
    ("login-passwordless", "login-passwordless-email-code", "buttonText"): "passwordless.submit",
    ("email-verification", "email-verification-result", "verifiedTitle"): "verification.done.heading",
    ("email-verification", "email-verification-result", "verifiedDescription"): "verification.done.message",
    **{
        (prompt, screen, name): f"email.{template}.{part}"
        for (prompt, screen), template in EMAIL_SCREENS.items()
        for name, part in EMAIL_TEXTS.items()
    },
    (*FOOTER_SCREEN, "footerText"): "email.footer",
    **{
        (prompt, screen, name): key
        for (prompt, screen), texts in MFA_SCREENS.items()
        for name, key in texts.items()
    },
}
# Auth0's variables → the placeholders of the locale files that stand for them.
VARIABLES = {
    "clientName": ("client", "application"),
    "companyName": ("tenant",),
    "email": ("email",),
    "connectionName": ("name",),
    "minLength": ("min_length",),
}
VARIABLE = re.compile(r"\$\{(\w+)\}")
MAX_TEXT = 2048


def _placeholders(english: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", english))


def compile_text(text: str, english: str) -> str:
    """Auth0's `${variable}`s as `{placeholder}` where `english` has that placeholder; any other
    brace dropped."""
    allowed = _placeholders(english)
    parts = []
    for index, piece in enumerate(VARIABLE.split(text[:MAX_TEXT])):
        if index % 2:  # a variable's name
            names = [name for name in VARIABLES.get(piece, ()) if name in allowed]
            parts.append("{" + names[0] + "}" if names else "")
        else:
            parts.append(piece.replace("{", "").replace("}", ""))
    return "".join(parts)


Screen = tuple[str, str]  # (prompt, screen), Auth0's names
CompiledText = dict[str, dict[str, dict[str, str]]]  # locale → "prompt/screen" → locale key → text


def compile_custom_text(stored: dict[str, Any]) -> CompiledText:
    """`{prompt: {language: {screen: {name: text}}}}` → `{locale: {"prompt/screen": {key: text}}}`
    for the locales edgeauth ships; per screen, as Auth0 keeps it: the login, login-id and
    login-password screens share words but not their tenant's text."""
    english = messages("en")
    compiled: CompiledText = {}
    for prompt, languages in stored.items():
        for language, screens in languages.items():
            locale = available().get(language.lower())
            if locale is None:
                continue
            for screen, texts in screens.items():
                for name, text in texts.items():
                    key = SCREEN_TEXT.get((prompt, screen, name))
                    if key is not None and isinstance(text, str):
                        words = compiled.setdefault(locale, {}).setdefault(f"{prompt}/{screen}", {})
                        words[key] = compile_text(text, english[key])
    return compiled


def screen_text(compiled: CompiledText, locale: str, *screens: Screen | None) -> dict[str, str]:
    """The tenant's text for these screens in `locale` (later screens win), to lay over the words."""
    texts = compiled.get(locale, {})
    return {
        k: v for screen in screens if screen for k, v in texts.get(f"{screen[0]}/{screen[1]}", {}).items()
    }
