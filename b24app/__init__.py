"""Store Ops domain: org model, the four routines, work queue, ledger, exports.

Never imports flask, werkzeug or apscheduler; reaches Bitrix24 only through b24app.bitrix.
"""
