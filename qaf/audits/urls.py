from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("yours/", views.mine, name="mine"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/rule/", views.cycle_rule, name="cycle_rule"),
    path("cycles/<int:pk>/tools/", views.cycle_tools, name="cycle_tools"),
    path("cycles/<int:pk>/draw/", views.cycle_draw, name="cycle_draw"),
    path("cycles/<int:pk>/add/", views.sample_add, name="sample_add"),
    path("cycles/<int:pk>/sample/<int:case_pk>/", views.sample_decide, name="sample_decide"),
    path("cycles/<int:pk>/commit/", views.cycle_commit, name="cycle_commit"),
    path("cycles/<int:pk>/allocate/", views.cycle_allocate, name="cycle_allocate"),
    path("cycles/<int:pk>/progress/", views.cycle_progress, name="cycle_progress"),
    path("cycles/<int:pk>/triads/new/", views.triad_new, name="triad_new"),
    path("cycles/<int:pk>/inquiries/new/", views.inquiry_new, name="inquiry_new"),
    path("agreement/", views.agreement_page, name="agreement"),
    path("pools/", views.pools, name="pools"),
    path("<int:pk>/", views.audit_detail, name="audit_detail"),
    path("<int:pk>/open/", views.audit_open, name="audit_open"),
    path("<int:pk>/actions/new/", views.action_new, name="action_new"),
    path("<int:pk>/submit/", views.audit_submit, name="audit_submit"),
    path("<int:pk>/concern/", views.concern, name="concern"),
    path("<int:pk>/reflect/", views.reflection_new, name="reflection_new"),
    path("<int:pk>/reallocate/", views.audit_reallocate, name="audit_reallocate"),
    path("<int:pk>/moderate/", views.moderate, name="moderate"),
    path("<int:pk>/finalise/", views.finalise, name="finalise"),
    path("<int:pk>/return/", views.audit_return, name="audit_return"),
    path("<int:pk>/pdf/", views.audit_pdf, name="audit_pdf"),
]
