"""Service desk tables: customers copy, SLA policy books, tickets, surveys, interactions,
QA rules and reviews, care tasks, FAQ, and the dated exchange rates.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

# Times are stored aware (UTC); the models read them back through UTCDateTime.
AWARE = sa.DateTime(timezone=True)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('care_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('occasion', sa.String(length=200), nullable=False),
    sa.Column('abc_class', sa.String(length=1), nullable=True),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', AWARE, nullable=False),
    sa.Column('completed_at', AWARE, nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('completed_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'kind', 'due_on', name='uq_care_tasks_key')
    )
    op.create_index('ix_care_tasks_agent_status', 'care_tasks', ['agent_id', 'status'])
    op.create_index('ix_care_tasks_team_region', 'care_tasks', ['team', 'region'])
    op.create_table('customers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('abc_class', sa.String(length=1), nullable=True),
    sa.Column('classified_at', AWARE, nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('owner_rep_id', sa.String(length=64), nullable=True),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('customer_since', sa.Date(), nullable=True),
    sa.Column('accepts_greetings', sa.Boolean(), nullable=False),
    sa.Column('source_updated_at', AWARE, nullable=True),
    sa.Column('created_at', AWARE, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_customers_owner', 'customers', ['owner_rep_id'])
    op.create_index('ix_customers_team_region', 'customers', ['team', 'region'])
    op.create_table('faq_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_at', AWARE, nullable=False),
    sa.Column('updated_at', AWARE, nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('fx_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.Numeric(precision=20, scale=10), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('currency', 'valid_from', name='uq_fx_rate_currency_from')
    )
    op.create_table('interactions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('ticket_id', sa.String(length=36), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('started_at', AWARE, nullable=False),
    sa.Column('ended_at', AWARE, nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('customer_feedback', sa.Text(), nullable=True),
    sa.Column('recording_ref', sa.String(length=300), nullable=True),
    sa.Column('recording_retained_until', AWARE, nullable=True),
    sa.Column('recording_purged_at', AWARE, nullable=True),
    sa.Column('violation_count', sa.Integer(), nullable=False),
    sa.Column('logged_at', AWARE, nullable=False),
    sa.Column('logged_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_interactions_agent_started', 'interactions', ['agent_id', 'started_at'])
    op.create_index('ix_interactions_customer', 'interactions', ['customer_id'])
    op.create_index('ix_interactions_retention', 'interactions', ['recording_retained_until'])
    op.create_index('ix_interactions_team_region', 'interactions', ['team', 'region'])
    op.create_table('qa_rules',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('pattern', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', AWARE, nullable=False),
    sa.Column('updated_at', AWARE, nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sla_policy_books',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('created_at', AWARE, nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_table('surveys',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('ticket_id', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('sent_at', AWARE, nullable=False),
    sa.Column('expires_at', AWARE, nullable=False),
    sa.Column('remind_after_seconds', sa.Integer(), nullable=False),
    sa.Column('reminded_at', AWARE, nullable=True),
    sa.Column('answered_at', AWARE, nullable=True),
    sa.Column('csat', sa.Integer(), nullable=True),
    sa.Column('nps', sa.Integer(), nullable=True),
    sa.Column('nps_category', sa.String(length=10), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', name='uq_surveys_order_id'),
    sa.UniqueConstraint('ticket_id', name='uq_surveys_ticket_id')
    )
    op.create_index('ix_surveys_customer', 'surveys', ['customer_id'])
    op.create_index('ix_surveys_pending', 'surveys', ['answered_at', 'reminded_at'])
    op.create_table('tickets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ticket_type', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('complainant_name', sa.String(length=120), nullable=True),
    sa.Column('complainant_phone', sa.String(length=40), nullable=True),
    sa.Column('complainant_email', sa.String(length=200), nullable=True),
    sa.Column('received_at', AWARE, nullable=False),
    sa.Column('created_at', AWARE, nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('responded_at', AWARE, nullable=True),
    sa.Column('resolved_at', AWARE, nullable=True),
    sa.Column('closed_at', AWARE, nullable=True),
    sa.Column('verdict', sa.String(length=20), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('sla_policy_version', sa.Integer(), nullable=False),
    sa.Column('first_response_due_at', AWARE, nullable=False),
    sa.Column('resolution_due_at', AWARE, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_tickets_agent_status', 'tickets', ['agent_id', 'status'])
    op.create_index('ix_tickets_customer', 'tickets', ['customer_id'])
    op.create_index('ix_tickets_status_due', 'tickets', ['status', 'resolution_due_at'])
    op.create_index('ix_tickets_team_region', 'tickets', ['team', 'region'])
    op.create_table('qa_reviews',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('interaction_id', sa.String(length=36), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('period_start', AWARE, nullable=False),
    sa.Column('period_end', AWARE, nullable=False),
    sa.Column('seed', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sampled_at', AWARE, nullable=False),
    sa.Column('sampled_by', sa.String(length=64), nullable=False),
    sa.Column('reviewer_id', sa.String(length=64), nullable=True),
    sa.Column('marks', sa.JSON(), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('critical_failure', sa.Boolean(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('scored_at', AWARE, nullable=True),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('interaction_id', name='uq_qa_reviews_interaction')
    )
    op.create_index('ix_qa_reviews_agent', 'qa_reviews', ['agent_id', 'period_start'])
    op.create_index('ix_qa_reviews_team_region', 'qa_reviews', ['team', 'region'])
    op.create_table('qa_violations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('interaction_id', sa.String(length=36), nullable=False),
    sa.Column('rule_id', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('start_offset', sa.Integer(), nullable=False),
    sa.Column('end_offset', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Text(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('detected_at', AWARE, nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_qa_violations_interaction_id', 'qa_violations', ['interaction_id'])
    op.create_index('ix_qa_violations_rule', 'qa_violations', ['rule_id'])
    op.create_table('survey_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('survey_id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('issued_at', AWARE, nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index('ix_survey_links_survey_id', 'survey_links', ['survey_id'])
    op.create_table('ticket_escalations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('notify', sa.String(length=40), nullable=False),
    sa.Column('breached_at', AWARE, nullable=False),
    sa.Column('due_at', AWARE, nullable=False),
    sa.Column('escalated_at', AWARE, nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'target', 'level', 'cycle', name='uq_ticket_escalations_key')
    )
    op.create_table('ticket_notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('at', AWARE, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ticket_resolutions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('resolved_by', sa.String(length=64), nullable=False),
    sa.Column('resolved_at', AWARE, nullable=False),
    sa.Column('compensation_amount', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('compensation_currency', sa.String(length=3), nullable=True),
    sa.Column('compensation_reason', sa.Text(), nullable=True),
    sa.Column('fx_rate', sa.Numeric(precision=20, scale=10), nullable=True),
    sa.Column('agent_at_fault', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'seq', name='uq_ticket_resolutions_seq')
    )
    op.create_table('ticket_status_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('at', AWARE, nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'seq', name='uq_ticket_status_changes_seq')
    )


def downgrade() -> None:
    op.drop_table('ticket_status_changes')
    op.drop_table('ticket_resolutions')
    op.drop_table('ticket_notes')
    op.drop_table('ticket_escalations')
    op.drop_index('ix_survey_links_survey_id', table_name='survey_links')
    op.drop_table('survey_links')
    op.drop_index('ix_qa_violations_rule', table_name='qa_violations')
    op.drop_index('ix_qa_violations_interaction_id', table_name='qa_violations')
    op.drop_table('qa_violations')
    op.drop_index('ix_qa_reviews_team_region', table_name='qa_reviews')
    op.drop_index('ix_qa_reviews_agent', table_name='qa_reviews')
    op.drop_table('qa_reviews')
    op.drop_index('ix_tickets_team_region', table_name='tickets')
    op.drop_index('ix_tickets_status_due', table_name='tickets')
    op.drop_index('ix_tickets_customer', table_name='tickets')
    op.drop_index('ix_tickets_agent_status', table_name='tickets')
    op.drop_table('tickets')
    op.drop_index('ix_surveys_pending', table_name='surveys')
    op.drop_index('ix_surveys_customer', table_name='surveys')
    op.drop_table('surveys')
    op.drop_table('sla_policy_books')
    op.drop_table('qa_rules')
    op.drop_index('ix_interactions_team_region', table_name='interactions')
    op.drop_index('ix_interactions_retention', table_name='interactions')
    op.drop_index('ix_interactions_customer', table_name='interactions')
    op.drop_index('ix_interactions_agent_started', table_name='interactions')
    op.drop_table('interactions')
    op.drop_table('fx_rates')
    op.drop_table('faq_entries')
    op.drop_index('ix_customers_team_region', table_name='customers')
    op.drop_index('ix_customers_owner', table_name='customers')
    op.drop_table('customers')
    op.drop_index('ix_care_tasks_team_region', table_name='care_tasks')
    op.drop_index('ix_care_tasks_agent_status', table_name='care_tasks')
    op.drop_table('care_tasks')
