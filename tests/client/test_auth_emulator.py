"""auth.py against the emulator's sign-in hosts over HTTPS: secrets, certificates, cache, errors."""

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import auth
from tests.conftest import COLLECTIONS_ROOT


def test_secret_sign_in_then_cache(emulator, settings_for):
    s = settings_for("contoso")
    token, source = auth.get_access_token(s)
    assert source == "identity_provider" and token.count(".") == 2
    token2, source2 = auth.get_access_token(s)
    assert (token2, source2) == (token, "cache")
    assert emulator.counts()["token_requests"] == 1
    files = [f for f in os.listdir(s.token_cache_dir) if f != auth.KEY_FILE]
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(s.token_cache_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(s.token_cache_dir, files[0])).st_mode) == 0o600
    # nothing secret in the file name
    assert emulator.tenant("contoso")["client_secret"] not in files[0]


def test_one_token_request_across_processes(emulator, settings_for, tmp_path):
    s = settings_for("tailspin_gcch")
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from ansible_collections.entra.crosscloud.plugins.module_utils import auth
        s = auth.AuthSettings(authority_host=%r, tenant_id=%r, scope=%r, client_id=%r, client_secret=%r,
                              verify=%r, token_cache_dir=%r)
        print(auth.get_access_token(s)[1])
    """) % (COLLECTIONS_ROOT, s.authority_host, s.tenant_id, s.scope, s.client_id, s.client_secret, s.verify,
            s.token_cache_dir)
    sources = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
               .stdout.strip() for _attempt in range(3)]
    assert sources == ["identity_provider", "cache", "cache"]
    assert emulator.counts()["token_requests"] == 1


def test_cache_off_asks_every_time_and_writes_nothing(emulator, settings_for):
    s = settings_for("contoso", token_cache=False)
    for _attempt in range(2):
        assert auth.get_access_token(s)[1] == "identity_provider"
    assert emulator.counts()["token_requests"] == 2
    assert not os.path.exists(s.token_cache_dir)


def test_new_secret_is_a_new_cache_entry(emulator, settings_for):
    auth.get_access_token(settings_for("contoso"))
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings_for("contoso", client_secret="not-the-secret"))
    assert err.value.code == 7000215
    assert "AADSTS7000215" in str(err.value) and "check client_secret" in str(err.value)
    assert "not-the-secret" not in str(err.value)


def test_certificate_sign_in(emulator, settings_for):
    app = [a for a in emulator.tenant("contoso")["apps"] if a.get("client_certificate_path")][0]
    s = settings_for("contoso", client_id=app["client_id"], client_secret=None,
                     client_certificate_path=app["client_certificate_path"])
    token, source = auth.get_access_token(s)
    assert source == "identity_provider"


def test_certificate_not_registered_is_refused(emulator, settings_for, tmp_path):
    from emulator import tls
    pem = tmp_path / "other.pem"
    tls.make_client_certificate(str(pem), "someone else")
    app = [a for a in emulator.tenant("contoso")["apps"] if a.get("client_certificate_path")][0]
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings_for("contoso", client_id=app["client_id"], client_secret=None,
                                           client_certificate_path=str(pem)))
    assert err.value.code == 700027


@pytest.mark.parametrize("over,code", [
    ({"cloud": "usgov"}, 90002),                       # commercial tenant asked on the US Gov login host
    ({"client_id": "00000000-0000-4000-8000-000000000000"}, 700016),
])
def test_sign_in_errors_name_the_fix(emulator, settings_for, over, code):
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings_for("contoso", **over))
    assert err.value.code == code
    assert "Fix:" in str(err.value)


def test_wrong_ca_is_a_tls_error_naming_ca_path(emulator, settings_for):
    with pytest.raises(auth.AuthError) as err:
        auth.get_access_token(settings_for("contoso", verify=True, token_cache=False))
    assert "ca_path" in str(err.value)


def test_supplied_token_makes_no_request(emulator, settings_for):
    assert auth.get_access_token(settings_for("contoso", access_token="abc")) == ("abc", "supplied")
    assert emulator.counts()["total"] == 0
