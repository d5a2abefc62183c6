"""The access matrix names each escalations route's gate, and it is the gate the view declares
(the check of qaf/web/tests/test_matrix_names_gates.py, for this app)."""

from qaf.web.tests.test_matrix_names_gates import declared, entries


def test_each_route_names_the_gate_its_view_declares():
    wrong = [
        f"{name} {method}: the matrix says {named!r}, the view's gate is {declared(name, method)!r}"
        for name, method, named in entries("escalations")
        if named != declared(name, method)
    ]
    assert not wrong, wrong
