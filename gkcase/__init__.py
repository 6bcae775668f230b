"""gkcase — a workflow engine for government information disclosure on request (依申请公开).

Implements the 2019 Regulation on Open Government Information (《中华人民共和国政府信息公开条例》)
for an agency's disclosure office: registration, review, handling, reply, delivery and archiving,
kept on a statutory clock counted in working days.
"""

__version__ = "0.1.0"
