"""Settings declared once and read from the environment (STYLE rule 5)."""

import pytest

from idp.app import create_app
from idp.config import SETTINGS
from idp.config import SettingsError
from idp.config import describe_settings
from idp.config import load_settings

PRODUCTION = {
    "IDP_ENV": "production",
    "IDP_ISSUER": "https://id.example.com",
    "IDP_SECRET_KEY": "a-real-secret",
    "IDP_DIGEST_KEY": "a-real-digest-key",
    "IDP_DATA_KEYS": "k1:cmVhbC1kYXRhLWtleS0zMi1ieXRlcy1sb25nLS0tLS0=",
}


class TestLoadSettings:
    def test_defaults_without_environment(self):
        values = load_settings({})
        assert set(values) == {setting.name for setting in SETTINGS}
        assert values["IDP_ACCESS_TOKEN_SECONDS"] == 600
        assert values["IDP_ENV"] == "development"

    def test_unknown_idp_variable_stops_startup(self):
        with pytest.raises(SettingsError, match="IDP_ACCESS_TOKEN_SECONDZ"):
            load_settings({"IDP_ACCESS_TOKEN_SECONDZ": "600"})

    def test_unknown_override_is_refused(self):
        with pytest.raises(SettingsError, match="IDP_NOPE"):
            load_settings({}, overrides={"IDP_NOPE": 1})

    def test_test_only_and_foreign_variables_are_ignored(self):
        values = load_settings({"IDP_TEST_SOMETHING": "x", "PATH": "/bin", "IDPX": "1"})
        assert "IDP_TEST_SOMETHING" not in values

    def test_wrong_int_names_the_variable(self):
        with pytest.raises(SettingsError, match="^IDP_ACCESS_TOKEN_SECONDS: "):
            load_settings({"IDP_ACCESS_TOKEN_SECONDS": "ten minutes"})

    def test_values_are_converted_to_their_type(self):
        values = load_settings({"IDP_ACCESS_TOKEN_SECONDS": "300", "IDP_LOCALES": " en, ar ,"})
        assert values["IDP_ACCESS_TOKEN_SECONDS"] == 300
        assert values["IDP_LOCALES"] == ["en", "ar"]

    def test_issuer_loses_its_trailing_slash(self):
        # OIDC Discovery §4.3: the issuer in the document must equal the one configured.
        assert load_settings({"IDP_ISSUER": "https://id.example.com/"})["IDP_ISSUER"] == (
            "https://id.example.com")

    def test_unknown_environment_name_is_refused(self):
        with pytest.raises(SettingsError, match="IDP_ENV"):
            load_settings({"IDP_ENV": "staging"})

    def test_environment_overrides_are_applied_last(self):
        values = load_settings({"IDP_ACCESS_TOKEN_SECONDS": "300"},
                               overrides={"IDP_ACCESS_TOKEN_SECONDS": 120})
        assert values["IDP_ACCESS_TOKEN_SECONDS"] == 120


class TestProduction:
    def test_complete_production_settings_load(self):
        assert load_settings(PRODUCTION)["IDP_ENV"] == "production"

    @pytest.mark.parametrize("name", ["IDP_SECRET_KEY", "IDP_DIGEST_KEY", "IDP_DATA_KEYS"])
    def test_default_secret_in_production_stops_startup(self, name):
        environ = {k: v for k, v in PRODUCTION.items() if k != name}
        with pytest.raises(SettingsError, match=name):
            load_settings(environ)

    def test_every_must_change_default_is_named(self):
        with pytest.raises(SettingsError) as raised:
            load_settings({"IDP_ENV": "production", "IDP_ISSUER": "https://id.example.com"})
        for setting in SETTINGS:
            if setting.must_change:
                assert setting.name in str(raised.value)

    def test_http_issuer_in_production_stops_startup(self):
        with pytest.raises(SettingsError, match="https"):
            load_settings({**PRODUCTION, "IDP_ISSUER": "http://id.example.com"})

    def test_http_issuer_is_allowed_in_development(self):
        assert load_settings({"IDP_ISSUER": "http://127.0.0.1:5000"})["IDP_ENV"] == "development"


class TestDeclarations:
    def test_every_setting_is_declared_once_with_a_doc(self):
        names = [setting.name for setting in SETTINGS]
        assert len(names) == len(set(names))
        for setting in SETTINGS:
            assert setting.name.startswith("IDP_") and not setting.name.startswith("IDP_TEST_")
            assert setting.doc.strip(), setting.name

    def test_describe_settings_lists_every_setting_with_its_doc(self):
        text = describe_settings()
        for setting in SETTINGS:
            assert f"{setting.name} = " in text
            assert setting.doc in text


def test_create_app_refuses_an_unknown_setting():
    with pytest.raises(SettingsError, match="IDP_NOPE"):
        create_app({"IDP_NOPE": 1})
