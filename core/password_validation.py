"""Password validators with Chinese messages where Django's translation is missing.

Django 5.2 reworded the minimum-length message and the zh-hans catalogue has no translation of the
new wording yet, so that one message would reach users in English (settings.AUTH_PASSWORD_VALIDATORS
uses this class instead of Django's)."""

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"
