"""Surveys collected by cxmetrics itself: definitions, signed one-use links, answers.

:mod:`cxmetrics.surveys.collect` is the public surface: :func:`~cxmetrics.surveys.collect.definition`,
:func:`~cxmetrics.surveys.collect.invite`, :func:`~cxmetrics.surveys.collect.open_link`,
:func:`~cxmetrics.surveys.collect.answer` and :func:`~cxmetrics.surveys.collect.due_reminders`.
The CLI (``cxm survey``) and the server (``/s/{token}``, ``/api/v1/surveys``) call them.
"""
