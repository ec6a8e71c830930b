"""The loading status the app shows while an area's data are read or downloaded."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.progress import size_text


def test_sizes_read_as_people_write_them():
    assert size_text(3_200_000, 25_000_000) == "3.2 MB of 25.0 MB"
    assert size_text(52_000, None) == "52 kB"


def _script() -> None:
    from ui.progress import LoadingStatus

    status = LoadingStatus("Trafford").__enter__()
    status("LSOA 2021 boundaries", 1, 3)
    status("Census 2021 TS001", 3_200_000, 25_000_000)


def test_the_status_names_the_dataset_and_the_bytes_downloaded():
    at = AppTest.from_function(_script).run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert "✓ LSOA 2021 boundaries" in texts  # read before the download started
    assert "Downloading **Census 2021 TS001** — 3.2 MB of 25.0 MB" in texts
    assert at.status[0].label == "Loading the data for Trafford…"


def _script_done() -> None:
    from ui.progress import LoadingStatus

    with LoadingStatus("Trafford") as status:
        status("LSOA 2021 boundaries", 1, 3)
    import streamlit as st

    st.write("map")


def test_the_status_is_removed_when_loading_ends():
    at = AppTest.from_function(_script_done).run()
    assert not at.exception
    assert not at.status
    assert [m.value for m in at.markdown] == ["map"]
