-- A plan answers the assessment period that graded its village C: the village leaves C (整转)
-- when the next published period grades it above C with every item of the plan closed out
-- (`domain::rectification::standing`). One plan per village and period. `period_label` stays
-- as the label the plan was opened under; plans opened before this link take it from the label.
ALTER TABLE village_plan ADD COLUMN period_id TEXT REFERENCES rating_period(id);
UPDATE village_plan SET period_id = (SELECT r.id FROM rating_period r WHERE r.label = village_plan.period_label)
WHERE period_label IS NOT NULL;
CREATE UNIQUE INDEX village_plan_period ON village_plan(village_id, period_id) WHERE period_id IS NOT NULL;
