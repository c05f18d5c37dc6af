

def test_a_table_with_one_remark_on_a_trend_is_no_trend_but_the_remark_may_be_listed():
    rows = np.array([[0.97, 0.01, 0.01, 0.01]] * 8 + [[0.35, 0.6, 0.03, 0.02]])
    label, confidence, labels, presence = verdict(rows, np.full(9, 300.0), CLASSES)
    assert label is None and confidence > 0.9  # most of the text speaks to no trend
    assert presence[1] == pytest.approx(0.6, abs=0.05)
