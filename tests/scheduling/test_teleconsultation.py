"""Act codes of the assisting nurse (NGAP 14.9.5): one per setting, none shared."""

from __future__ import annotations

import pytest

from scheduling.models.teleconsultation import ActCode, Setting, act_code_for


@pytest.mark.parametrize(
    ("setting", "code"),
    [
        (Setting.HOME, ActCode.TLD),
        (Setting.DEDICATED_PLACE, ActCode.TLL),
        (Setting.NURSING_VISIT, ActCode.TLS),
    ],
)
def test_act_code_for_each_setting(setting: Setting, code: ActCode) -> None:
    assert act_code_for(setting) is code
    assert act_code_for(Setting(setting.value)) is code  # from the wire's string too


def test_every_setting_has_its_own_code() -> None:
    codes = [act_code_for(s) for s in Setting]
    assert sorted(codes) == sorted(ActCode) and len(set(codes)) == len(codes)


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="clinic"):
        act_code_for("clinic")  # type: ignore[arg-type]
