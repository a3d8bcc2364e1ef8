"""The Leads tables: reps, leads, activities, history, merges, customers, deals, rules, imports, rates.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_deals',
    sa.Column('deal_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.Column('result', sa.String(length=4), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('fx_rate', sa.Numeric(precision=20, scale=10), nullable=True),
    sa.Column('amount_company', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('deal_id')
    )
    op.create_index(op.f('ix_customer_deals_customer_id'), 'customer_deals', ['customer_id'], unique=False)
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('company_key', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('abc_class', sa.String(length=1), nullable=True),
    sa.Column('classified_as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('industry', sa.String(length=80), nullable=True),
    sa.Column('region', sa.String(length=80), nullable=True),
    sa.Column('team', sa.String(length=80), nullable=True),
    sa.Column('owner_rep_id', sa.String(length=64), nullable=True),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('source_lead_id', sa.String(length=36), nullable=True),
    sa.Column('won_count', sa.Integer(), nullable=False),
    sa.Column('lost_count', sa.Integer(), nullable=False),
    sa.Column('last_deal_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_customers_abc_class'), 'customers', ['abc_class'], unique=False)
    op.create_index(op.f('ix_customers_category'), 'customers', ['category'], unique=False)
    op.create_index(op.f('ix_customers_company_key'), 'customers', ['company_key'], unique=False)
    op.create_index(op.f('ix_customers_owner_rep_id'), 'customers', ['owner_rep_id'], unique=False)
    op.create_index(op.f('ix_customers_region'), 'customers', ['region'], unique=False)
    op.create_index(op.f('ix_customers_team'), 'customers', ['team'], unique=False)
    op.create_table('fx_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.Numeric(precision=20, scale=10), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('currency', 'valid_from', name='uq_fx_rate_currency_from')
    )
    op.create_table('lead_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_lead_history_lead_id'), 'lead_history', ['lead_id'], unique=False)
    op.create_table('lead_imports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=True),
    sa.Column('owner_team', sa.String(length=80), nullable=True),
    sa.Column('record_duplicates', sa.Boolean(), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_lead_imports_status'), 'lead_imports', ['status'], unique=False)
    op.create_table('lead_merges',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('primary_id', sa.String(length=36), nullable=False),
    sa.Column('duplicate_id', sa.String(length=36), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_by', sa.String(length=120), nullable=True),
    sa.Column('undo', sa.JSON(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_lead_merges_duplicate_id'), 'lead_merges', ['duplicate_id'], unique=False)
    op.create_index(op.f('ix_lead_merges_primary_id'), 'lead_merges', ['primary_id'], unique=False)
    op.create_table('leads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('company_key', sa.String(length=200), nullable=True),
    sa.Column('person_name', sa.String(length=100), nullable=True),
    sa.Column('industry', sa.String(length=80), nullable=True),
    sa.Column('region', sa.String(length=80), nullable=True),
    sa.Column('company_size', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_title', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('product_lines', sa.JSON(), nullable=False),
    sa.Column('budget_amount', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('budget_currency', sa.String(length=3), nullable=True),
    sa.Column('expected_purchase_by', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('campaign_code', sa.String(length=80), nullable=True),
    sa.Column('referrer', sa.String(length=120), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_by', sa.String(length=120), nullable=True),
    sa.Column('grade', sa.String(length=10), nullable=True),
    sa.Column('computed_grade', sa.String(length=10), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('ruleset_version', sa.String(length=40), nullable=True),
    sa.Column('contributions', sa.JSON(), nullable=False),
    sa.Column('grade_override', sa.JSON(), nullable=True),
    sa.Column('owner_rep_id', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=80), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assignment', sa.JSON(), nullable=True),
    sa.Column('followup_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_flagged_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duplicate_of', sa.String(length=36), nullable=True),
    sa.Column('merged_into', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('qualified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expected_amount', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('expected_currency', sa.String(length=3), nullable=True),
    sa.Column('disqualified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disqualified_reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_leads_captured_at'), 'leads', ['captured_at'], unique=False)
    op.create_index(op.f('ix_leads_company_key'), 'leads', ['company_key'], unique=False)
    op.create_index(op.f('ix_leads_customer_id'), 'leads', ['customer_id'], unique=False)
    op.create_index(op.f('ix_leads_email'), 'leads', ['email'], unique=False)
    op.create_index(op.f('ix_leads_grade'), 'leads', ['grade'], unique=False)
    op.create_index(op.f('ix_leads_merged_into'), 'leads', ['merged_into'], unique=False)
    op.create_index(op.f('ix_leads_owner_rep_id'), 'leads', ['owner_rep_id'], unique=False)
    op.create_index('ix_leads_owner_status', 'leads', ['owner_rep_id', 'status'], unique=False)
    op.create_index(op.f('ix_leads_phone'), 'leads', ['phone'], unique=False)
    op.create_index(op.f('ix_leads_region'), 'leads', ['region'], unique=False)
    op.create_index(op.f('ix_leads_source'), 'leads', ['source'], unique=False)
    op.create_index(op.f('ix_leads_status'), 'leads', ['status'], unique=False)
    op.create_index('ix_leads_status_followup', 'leads', ['status', 'followup_due_at'], unique=False)
    op.create_index(op.f('ix_leads_team'), 'leads', ['team'], unique=False)
    op.create_table('reps',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('team', sa.String(length=80), nullable=True),
    sa.Column('region', sa.String(length=80), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('product_lines', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('last_assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_reps_team'), 'reps', ['team'], unique=False)
    op.create_table('rule_sets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'version', name='uq_rule_sets_kind_version')
    )
    op.create_index(op.f('ix_rule_sets_activated_at'), 'rule_sets', ['activated_at'], unique=False)
    op.create_table('activities',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('next_step_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_contact', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_activities_lead_id'), 'activities', ['lead_id'], unique=False)
    op.create_table('customer_contacts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_customer_contacts_customer_id'), 'customer_contacts', ['customer_id'], unique=False)
    op.create_index(op.f('ix_customer_contacts_email'), 'customer_contacts', ['email'], unique=False)
    op.create_index(op.f('ix_customer_contacts_phone'), 'customer_contacts', ['phone'], unique=False)
    op.create_table('lead_import_rows',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('import_id', sa.String(length=36), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('lead_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['lead_imports.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('import_id', 'line', name='uq_lead_import_rows_line')
    )
    op.create_index('ix_lead_import_rows_status', 'lead_import_rows', ['import_id', 'status', 'line'], unique=False)


def downgrade() -> None:
    op.drop_table("lead_import_rows")
    op.drop_table("customer_contacts")
    op.drop_table("activities")
    op.drop_table("rule_sets")
    op.drop_table("reps")
    op.drop_table("leads")
    op.drop_table("lead_merges")
    op.drop_table("lead_imports")
    op.drop_table("lead_history")
    op.drop_table("fx_rates")
    op.drop_table("customers")
    op.drop_table("customer_deals")
