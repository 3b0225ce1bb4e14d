import json
import os
import stat

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import auth


class FakeApp:
    """Stands in for msal's ConfidentialClientApplication (below our decision logic)."""

    def __init__(self, results):
        self.results = list(results)
        self.calls = 0

    def acquire_token_for_client(self, scopes):
        self.calls += 1
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def settings(tmp_path, **over):
    kw = dict(authority_host="https://login.example.test", tenant_id="t1", scope="https://graph.example.test/.default",
              client_id="11111111-1111-1111-1111-111111111111", client_secret="s3cret",
              token_cache_dir=str(tmp_path / "cache"))
    kw.update(over)
    return auth.AuthSettings(**kw)


def factory(app, seen=None):
    def make(s, credential):
        if seen is not None:
            seen.append(credential)
        return app
    return make


OK = {"access_token": "tok-1", "expires_in": 3599}


def test_cache_hit_makes_no_call(tmp_path):
    app = FakeApp([OK])
    s = settings(tmp_path)
    assert auth.get_access_token(s, now=1000, msal_app_factory=factory(app)) == ("tok-1", "identity_provider")
    assert auth.get_access_token(s, now=1000 + 600, msal_app_factory=factory(app)) == ("tok-1", "cache")
    assert app.calls == 1


def test_token_near_expiry_is_renewed(tmp_path):
    app = FakeApp([OK, {"access_token": "tok-2", "expires_in": 3599}])
    s = settings(tmp_path)
    auth.get_access_token(s, now=1000, msal_app_factory=factory(app))
    # 3599 - 3400 = 199 s left < 300 s margin
    assert auth.get_access_token(s, now=1000 + 3400, msal_app_factory=factory(app)) == ("tok-2", "identity_provider")


def test_cache_key_changes_with_secret_tenant_and_authority(tmp_path):
    base = settings(tmp_path)
    key = auth.cache_key(base, base.client_secret)
    assert key != auth.cache_key(settings(tmp_path, client_secret="other"), "other")
    assert key != auth.cache_key(settings(tmp_path, tenant_id="t2"), "s3cret")
    assert key != auth.cache_key(settings(tmp_path, authority_host="https://login.example.test:8443"), "s3cret")
    assert "s3cret" not in key


def test_cache_file_modes_and_content(tmp_path):
    s = settings(tmp_path)
    auth.get_access_token(s, now=1000, msal_app_factory=factory(FakeApp([OK])))
    files = [f for f in os.listdir(s.token_cache_dir) if f != auth.KEY_FILE]
    assert len(files) == 1
    path = os.path.join(s.token_cache_dir, files[0])
    key_file = os.path.join(s.token_cache_dir, auth.KEY_FILE)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600 and len(open(key_file, "rb").read()) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(s.token_cache_dir).st_mode) == 0o700
    data = json.load(open(path))
    assert data == {"access_token": "tok-1", "expires_on": 1000 + 3599}
    assert "s3cret" not in open(path).read()


def test_corrupt_cache_is_replaced(tmp_path):
    s = settings(tmp_path)
    path = auth.cache_path(s, s.client_secret)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("{not json")
    assert auth.get_access_token(s, now=1, msal_app_factory=factory(FakeApp([OK])))[1] == "identity_provider"
    assert json.load(open(path))["access_token"] == "tok-1"


def test_cache_off_touches_no_disk(tmp_path):
    app = FakeApp([OK, OK])
    s = settings(tmp_path, token_cache=False)
    auth.get_access_token(s, msal_app_factory=factory(app))
    auth.get_access_token(s, msal_app_factory=factory(app))
    assert app.calls == 2 and not os.path.exists(s.token_cache_dir)


def test_supplied_token(tmp_path):
    assert auth.get_access_token(settings(tmp_path, access_token="given")) == ("given", "supplied")


def test_no_credentials(tmp_path):
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings(tmp_path, client_id=None))
    assert "no credentials" in str(err.value)
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings(tmp_path, client_secret=None))
    assert "client_secret or client_certificate_path" in str(err.value)


@pytest.mark.parametrize("code,hint", [(7000215, "check client_secret"), (90002, "check tenant_id and `cloud`"),
                                       (500011, "check `cloud`"), (700016, "not registered")])
def test_aadsts_errors_get_a_fix(tmp_path, code, hint):
    result = {"error": "invalid_client", "error_codes": [code],
              "error_description": "AADSTS%d: Something failed. Trace ID: abc Correlation ID: def" % code}
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings(tmp_path), msal_app_factory=factory(FakeApp([result])))
    text = str(err.value)
    assert err.value.code == code and "AADSTS%d" % code in text and hint in text
    assert "Trace ID" not in text and "s3cret" not in text


def test_msal_discovery_value_error_is_translated(tmp_path):
    inner = ValueError('OIDC Discovery failed. HTTP status: 400, Error: {"error": "invalid_tenant", '
                       '"error_description": "AADSTS90002: Tenant \'t1\' not found.", "error_codes": [90002]}')
    exc = ValueError("Unable to get authority configuration")
    exc.__context__ = inner  # how MSAL chains it: raised while handling the discovery error
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings(tmp_path), msal_app_factory=factory(FakeApp([exc])))
    assert err.value.code == 90002


def test_connection_and_tls_errors(tmp_path):
    class SSLError(OSError):
        pass
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings(tmp_path), msal_app_factory=factory(FakeApp([SSLError("CERTIFICATE_VERIFY_FAILED")])))
    assert "ca_path" in str(err.value)
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings(tmp_path), msal_app_factory=factory(FakeApp([OSError("refused")])))
    assert "cannot reach the sign-in endpoint https://login.example.test" in str(err.value)


def _key_pem(password=None):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    enc = (serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc).decode()


def test_certificate_credential(tmp_path):
    pem = tmp_path / "app.pem"
    key = _key_pem()
    cert = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n"
    pem.write_text(key + cert)
    seen = []
    s = settings(tmp_path, client_secret=None, client_certificate_path=str(pem))
    auth.get_access_token(s, msal_app_factory=factory(FakeApp([OK]), seen))
    cred = seen[0]
    assert cred["private_key"].startswith("-----BEGIN PRIVATE KEY")
    assert cred["public_certificate"].startswith("-----BEGIN CERTIFICATE")
    assert cred["thumbprint"] == __import__("hashlib").sha1(bytes([0, 1, 2])).hexdigest()


@pytest.mark.parametrize("key_password,given,words", [
    ("pw-of-the-key", None, "is encrypted. Fix: give its password as client_certificate_password"),
    ("pw-of-the-key", "a-wrong-password", "client_certificate_password does not open the private key"),
    (None, "a-needless-password", "is not encrypted. Fix: remove client_certificate_password"),
])
def test_certificate_password_problems_name_the_option(tmp_path, key_password, given, words):
    pem = tmp_path / "app.pem"
    pem.write_text(_key_pem(key_password) + "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n")
    s = settings(tmp_path, client_secret=None, client_certificate_path=str(pem), client_certificate_password=given)
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(s, msal_app_factory=factory(FakeApp([OK])))
    assert words in str(err.value) and (given or "pw-of-the-key") not in str(err.value)


def test_cache_file_name_is_keyed_not_a_plain_hash(tmp_path):
    import hashlib
    s = settings(tmp_path)
    path = auth.cache_path(s, s.client_secret)
    material = "\n".join([s.authority_host.lower(), s.tenant_id.lower(), s.client_id.lower(), s.scope,
                          "secret:" + s.client_secret])
    assert os.path.basename(path) != hashlib.sha256(material.encode()).hexdigest() + ".json"
    assert auth.cache_path(s, s.client_secret) == path            # the same key is reused
    other = settings(tmp_path / "elsewhere")
    assert os.path.basename(auth.cache_path(other, other.client_secret)) != os.path.basename(path)


def test_refresh_forgets_the_cached_token(tmp_path):
    app = FakeApp([OK, dict(OK, access_token="tok-2")])
    s = settings(tmp_path)
    assert auth.get_access_token(s, now=1000, msal_app_factory=factory(app)) == ("tok-1", "identity_provider")
    assert auth.get_access_token(s, now=1001, msal_app_factory=factory(app)) == ("tok-1", "cache")
    assert auth.get_access_token(s, now=1002, msal_app_factory=factory(app), refresh=True) == (
        "tok-2", "identity_provider")
    assert auth.get_access_token(s, now=1003, msal_app_factory=factory(app)) == ("tok-2", "cache")


def test_certificate_file_without_key(tmp_path):
    pem = tmp_path / "app.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n")
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings(tmp_path, client_secret=None, client_certificate_path=str(pem)))
    assert "holds no PEM private key" in str(err.value)


def _jwt(claims):
    import base64
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return "eyJhbGciOiJSUzI1NiJ9.%s.c2lnbmF0dXJl" % part


def test_token_claims_read_roles_without_the_token():
    claims = {"roles": ["Policy.Read.All", "User.Invite.All"], "appid": "40dd6633-5254-4834-8dda-745e5dd9949e",
              "tid": "t1", "aud": "https://graph.microsoft.us"}
    assert auth.token_claims(_jwt(claims)) == claims


@pytest.mark.parametrize("token", ["opaque-token-value", "a.b", "a.%%%.c", "", None, "a.bnVsbA.c"])
def test_token_claims_of_a_token_that_is_not_a_jwt_are_empty(token):
    assert auth.token_claims(token) == {}


def test_a_cache_folder_made_by_a_parallel_fork_meanwhile_is_used(tmp_path, monkeypatch):
    """Forks start on a fresh folder together: one finds it missing, another makes it before this one does.
    The folder is then used, not given up on (which cost a second sign-in on the next task)."""
    folder = tmp_path / "cache"
    folder.mkdir()
    seen = []

    def isdir_once_missing(path):
        seen.append(path)
        return len(seen) > 1 and os.path.exists(path)
    monkeypatch.setattr(auth.os.path, "isdir", isdir_once_missing)
    fd, path = auth._private_file(str(folder), ".token-")
    os.close(fd)
    assert os.path.dirname(path) == str(folder) and oct(os.stat(str(folder)).st_mode & 0o777) == "0o700"
