"""XML parsed only through defusedxml: DTDs, entities and external references are refused."""

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from qaf.common.errors import ImportRefused


def parse_xml(data: bytes, *, name: str) -> ET.Element:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise ImportRefused(
            f"{name} was refused: it contains a DTD, an entity declaration or an external "
            f"reference, which QAF never processes ({type(error).__name__})"
        ) from None
    except ET.ParseError as error:
        raise ImportRefused(f"{name} is not well-formed XML: {error}") from None
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def text_of(element: ET.Element | None, tag: str) -> str | None:
    if element is None:
        return None
    found = element.find(tag)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None
