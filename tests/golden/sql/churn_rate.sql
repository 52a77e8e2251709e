SELECT
  "t7"."period_start",
  CASE WHEN "t7"."s" > 0 THEN "t7"."lost" ELSE 0 END AS "numerator",
  "t7"."s" AS "denominator"
FROM (
  SELECT
    "t6"."period_index",
    "t6"."period_start",
    SUM(CAST("t6"."at_start" AS BIGINT)) AS "s",
    SUM(CAST("t6"."at_end" AS BIGINT)) AS "e",
    SUM(CAST("t6"."new" AS BIGINT)) AS "new",
    SUM(CAST("t6"."lost" AS BIGINT)) AS "lost",
    SUM(CAST("t6"."at_start" AND "t6"."lost" AS BIGINT)) AS "lost_start"
  FROM (
    SELECT
      "t5"."customer_id",
      "t5"."acquired_at",
      "t5"."churn_reason",
      "t5"."churned_at",
      "t5"."period_index",
      "t5"."period_start",
      "t5"."p_start",
      "t5"."p_end",
      "t5"."l_start",
      "t5"."l_end",
      (
        "t5"."acquired_at" < "t5"."p_start"
      )
      AND NOT (
        (
          "t5"."churned_at" IS NOT NULL
        ) AND (
          "t5"."churned_at" < "t5"."p_start"
        )
      ) AS "at_start",
      NOT (
        (
          "t5"."churned_at" IS NOT NULL
        ) AND (
          "t5"."churned_at" < "t5"."p_end"
        )
      ) AS "at_end",
      "t5"."acquired_at" >= "t5"."p_start" AS "new",
      COALESCE(
        (
          "t5"."churned_at" >= "t5"."p_start"
        )
        AND (
          "t5"."churned_at" < "t5"."p_end"
        ),
        FALSE
      ) AS "lost",
      NOT (
        (
          "t5"."churned_at" IS NOT NULL
        ) AND (
          "t5"."churned_at" < "t5"."p_start"
        )
      ) AS "active"
    FROM (
      SELECT
        "t4"."customer_id",
        "t4"."acquired_at",
        "t4"."churn_reason",
        "t4"."churned_at",
        "t2"."period_index",
        "t2"."period_start",
        "t2"."p_start",
        "t2"."p_end",
        "t2"."l_start",
        "t2"."l_end"
      FROM (
        SELECT
          "t0"."customer_id",
          "t0"."acquired_at",
          "t0"."churn_reason",
          CASE
            WHEN "t0"."churned_at" < "t0"."acquired_at"
            THEN "t0"."acquired_at"
            ELSE "t0"."churned_at"
          END AS "churned_at"
        FROM "customers" AS "t0"
      ) AS "t4"
      INNER JOIN "memtable_0" AS "t2"
        ON "t4"."acquired_at" < "t2"."p_end"
    ) AS "t5"
  ) AS "t6"
  GROUP BY
    1,
    2
) AS "t7"
