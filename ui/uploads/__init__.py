"""The Upload page's flows: community places, indicator tables, study-area boundaries.

``reading``     reading a file and summarising it as tables (no widgets)
``steps``       what every flow shares: the rows summary, a failed read
``added``       what this session has already added, with remove and save buttons
``places``      the places flow: file → columns → categories → rows → add
``indicators``  the indicator-table flow: values by area, mapped or weighted into the index
``boundaries``  the boundary flow: a polygon whose LSOAs become the study area

Everything added stays in ``st.session_state`` (see :mod:`ui.session`); a file
that cannot be used gets a message and nothing already added changes.
"""
