"""The leads service's domain: plain Python rules, no framework imports.

Modules: normalization (phone, e-mail, company keys and masks), duplicates
(dedupe keys and matching), grading and grading_rules (explainable,
configurable scoring), assignment (rep choice and follow-up deadlines),
lifecycle (statuses and activities), overdue (missed follow-ups), merge
(reversible merge of duplicates), customers (category, ABC class, purchase
history), money, errors (the exceptions the web layer maps to HTTP statuses).
"""
