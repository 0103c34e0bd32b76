"""The credit workflows over HTTP (信用流程): every operation of docs/workflows.md.

=====================================================  =========================================
``GET  /api/v1/checks?creditCode=&scenario=``           joint-punishment check (any key; identity
                                                        numbers: government keys only)
``POST /api/v1/repairs``                                file a repair application (platform, admin)
``GET  /api/v1/repairs?state=&recordId=``               applications (platform/admin: all; a
                                                        department: those it decides)
``GET  /api/v1/repairs/{id}``                           one application
``POST /api/v1/repairs/{id}/decision``                  the deciding authority decides
``POST /api/v1/objections``                             file an objection (platform, admin)
``GET  /api/v1/objections?overdue=&state=&recordId=``   cases (platform/admin: all; a department:
                                                        its own)
``GET  /api/v1/objections/{id}``                        one case
``POST /api/v1/objections/{id}/verify``                 the providing department starts verifying
``POST /api/v1/objections/{id}/extension``              … extends the answer deadline
``POST /api/v1/objections/{id}/outcome``                corrected | revoked | upheld
``POST /api/v1/commitments/{record_id}/fulfilment``     the accepting unit records fulfilment
``POST /api/v1/listings``                               the deciding authority lists a subject
``POST /api/v1/listings/{record_id}/removal``           … removes an entry (移出)
``GET  /api/v1/listings/{record_id}/persons``           persons linked to an entry (government)
``POST /api/v1/listings/{record_id}/persons``           link a person by hand
``DELETE /api/v1/person-links/{link_id}``               end the link
``POST /api/v1/interviews``                             record an interview (约谈)
``POST /api/v1/interviews/{record_id}/rectification``   its rectification result
``POST /api/v1/registrations``                          take a voluntary registration (自愿注册)
``POST /api/v1/registrations/{record_id}/verification`` verify it
``GET  /api/v1/records/{record_id}/timeline``           admins and the responsible department:
                                                        full; a platform (for the entity): entity
=====================================================  =========================================

The routes are in :mod:`gateway.routes.cases` (repair, objections) and
:mod:`gateway.routes.record_steps` (the rest); each calls one operation of :mod:`workflows`
through :func:`gateway.routes.answers.answer`, as GraphQL (:mod:`gateway.graphql.workflows`)
and the CLI (:mod:`gateway.commands.cases`, :mod:`gateway.commands.record_steps`) do.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.routes import cases, record_steps

router = APIRouter()
router.include_router(record_steps.router)
router.include_router(cases.router)
