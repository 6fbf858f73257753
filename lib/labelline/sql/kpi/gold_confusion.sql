-- name: kpi/gold_confusion
-- Label against gold on gold items: label (what the annotator answered), reference (the
-- gold label), task_type, n (answers).
select task_type, label, gold_label as reference, count(*) as n
from labels_in()
where gold_label is not null
group by all
order by n desc
