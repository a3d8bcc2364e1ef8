"""KPI tables: the fact log, the daily and monthly rollups, scorecards, commissions,
ABC classes, closed-period reports and job runs.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

# The models' ExactDecimal: exact NUMERIC on PostgreSQL, the digits as text on SQLite.
EXACT = sa.Numeric(38, 14).with_variant(sa.String(60), "sqlite")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commission_plans',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('bonuses', sa.JSON(), nullable=False),
    sa.Column('clawback', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('customer_classes',
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('abc_class', sa.String(length=1), nullable=False),
    sa.Column('previous_class', sa.String(length=1), nullable=True),
    sa.Column('trailing_revenue', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('customer_id')
    )
    op.create_index('ix_customer_classes_class', 'customer_classes', ['abc_class'])
    op.create_table('facts',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('subject', sa.String(length=120), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('lead_id', sa.String(length=64), nullable=True),
    sa.Column('deal_id', sa.String(length=64), nullable=True),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('ticket_id', sa.String(length=64), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('fx_rate', sa.Numeric(precision=20, scale=10), nullable=True),
    sa.Column('amount_company', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_index('ix_facts_customer', 'facts', ['customer_id', 'event_type'])
    op.create_index('ix_facts_deal', 'facts', ['deal_id'])
    op.create_index('ix_facts_lead', 'facts', ['lead_id'])
    op.create_index('ix_facts_order', 'facts', ['order_id', 'event_type'])
    op.create_index('ix_facts_rep', 'facts', ['rep_id'])
    op.create_index('ix_facts_ticket', 'facts', ['ticket_id', 'event_type'])
    op.create_index('ix_facts_time', 'facts', ['occurred_at'])
    op.create_index('ix_facts_type_time', 'facts', ['event_type', 'occurred_at'])
    op.create_table('job_runs',
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('run_key', sa.String(length=40), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('job', 'run_key')
    )
    op.create_table('projection_state',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rebuilt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rebuilt_facts', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('rep_directory',
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('team_seen', sa.String(length=120), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('region_seen', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('rep_id')
    )
    op.create_table('reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period_kind', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_kind', 'period', name='uq_reports_period')
    )
    op.create_table('rollup_daily',
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('amount', EXACT, nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'value', 'day', 'metric')
    )
    op.create_index('ix_rollup_dimension_day', 'rollup_daily', ['dimension', 'day'])
    op.create_table('rollup_monthly',
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('amount', EXACT, nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'value', 'day', 'metric')
    )
    op.create_index('ix_rollup_monthly_dimension_day', 'rollup_monthly', ['dimension', 'day'])
    op.create_table('scorecards',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('period_kind', sa.String(length=10), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('set_by', sa.String(length=120), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subject_kind', 'subject_id', 'period', name='uq_scorecard_subject_period')
    )
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Numeric(precision=9, scale=4), nullable=False),
    sa.Column('evaluator', sa.String(length=120), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scorecard_id'], ['scorecards.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scorecard_id', 'source', 'evaluator', name='uq_evaluation_once')
    )
    op.create_table('plan_assignments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['commission_plans.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rep_id', 'valid_from', name='uq_assignment_rep_from')
    )
    op.create_index('ix_assignment_rep', 'plan_assignments', ['rep_id'])
    op.create_table('scorecard_targets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('target', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('weight_percent', sa.Numeric(precision=9, scale=4), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['scorecard_id'], ['scorecards.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scorecard_id', 'metric', name='uq_target_metric')
    )


def downgrade() -> None:
    op.drop_table('scorecard_targets')
    op.drop_index('ix_assignment_rep', table_name='plan_assignments')
    op.drop_table('plan_assignments')
    op.drop_table('evaluations')
    op.drop_table('scorecards')
    op.drop_index('ix_rollup_monthly_dimension_day', table_name='rollup_monthly')
    op.drop_table('rollup_monthly')
    op.drop_index('ix_rollup_dimension_day', table_name='rollup_daily')
    op.drop_table('rollup_daily')
    op.drop_table('reports')
    op.drop_table('rep_directory')
    op.drop_table('projection_state')
    op.drop_table('job_runs')
    op.drop_index('ix_facts_type_time', table_name='facts')
    op.drop_index('ix_facts_time', table_name='facts')
    op.drop_index('ix_facts_ticket', table_name='facts')
    op.drop_index('ix_facts_rep', table_name='facts')
    op.drop_index('ix_facts_order', table_name='facts')
    op.drop_index('ix_facts_lead', table_name='facts')
    op.drop_index('ix_facts_deal', table_name='facts')
    op.drop_index('ix_facts_customer', table_name='facts')
    op.drop_table('facts')
    op.drop_index('ix_customer_classes_class', table_name='customer_classes')
    op.drop_table('customer_classes')
    op.drop_table('commission_plans')
