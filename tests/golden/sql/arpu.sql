SELECT
  *
FROM (
  SELECT
    "t13".*
    EXCLUDE ("period_index")
  FROM (
    SELECT
      "t12"."period_index",
      "t12"."period_start",
      COUNT(*) AS "n",
      AVG(COALESCE("t12"."rev", 0.0)) AS "mean",
      QUANTILE_CONT(COALESCE("t12"."rev", 0.0), 0.5) AS "median",
      QUANTILE_CONT(COALESCE("t12"."rev", 0.0), 0.9) AS "p90",
      STDDEV_SAMP(COALESCE("t12"."rev", 0.0)) AS "std"
    FROM (
      SELECT
        "t11"."customer_id",
        "t11"."acquired_at",
        "t11"."churn_reason",
        "t11"."churned_at",
        "t11"."period_index",
        "t11"."period_start",
        "t11"."p_start",
        "t11"."p_end",
        "t11"."l_start",
        "t11"."l_end",
        "t11"."at_start",
        "t11"."at_end",
        "t11"."new",
        "t11"."lost",
        "t11"."active",
        "t9"."o_customer",
        "t9"."o_key",
        "t9"."rev"
      FROM (
        SELECT
          "t7"."customer_id",
          "t7"."acquired_at",
          "t7"."churn_reason",
          "t7"."churned_at",
          "t7"."period_index",
          "t7"."period_start",
          "t7"."p_start",
          "t7"."p_end",
          "t7"."l_start",
          "t7"."l_end",
          (
            "t7"."acquired_at" < "t7"."p_start"
          )
          AND NOT (
            (
              "t7"."churned_at" IS NOT NULL
            ) AND (
              "t7"."churned_at" < "t7"."p_start"
            )
          ) AS "at_start",
          NOT (
            (
              "t7"."churned_at" IS NOT NULL
            ) AND (
              "t7"."churned_at" < "t7"."p_end"
            )
          ) AS "at_end",
          "t7"."acquired_at" >= "t7"."p_start" AS "new",
          COALESCE(
            (
              "t7"."churned_at" >= "t7"."p_start"
            )
            AND (
              "t7"."churned_at" < "t7"."p_end"
            ),
            FALSE
          ) AS "lost",
          NOT (
            (
              "t7"."churned_at" IS NOT NULL
            ) AND (
              "t7"."churned_at" < "t7"."p_start"
            )
          ) AS "active"
        FROM (
          SELECT
            "t5"."customer_id",
            "t5"."acquired_at",
            "t5"."churn_reason",
            "t5"."churned_at",
            "t3"."period_index",
            "t3"."period_start",
            "t3"."p_start",
            "t3"."p_end",
            "t3"."l_start",
            "t3"."l_end"
          FROM (
            SELECT
              "t1"."customer_id",
              "t1"."acquired_at",
              "t1"."churn_reason",
              CASE
                WHEN "t1"."churned_at" < "t1"."acquired_at"
                THEN "t1"."acquired_at"
                ELSE "t1"."churned_at"
              END AS "churned_at"
            FROM "customers" AS "t1"
          ) AS "t5"
          INNER JOIN "memtable_0" AS "t3"
            ON "t5"."acquired_at" < "t3"."p_end"
        ) AS "t7"
        WHERE
          NOT (
            (
              "t7"."churned_at" IS NOT NULL
            ) AND (
              "t7"."churned_at" < "t7"."p_start"
            )
          )
      ) AS "t11"
      LEFT OUTER JOIN (
        SELECT
          "t6"."customer_id" AS "o_customer",
          COALESCE("t6"."period_start", MAKE_DATE(1900, 1, 1)) AS "o_key",
          SUM("t6"."amount") AS "rev"
        FROM (
          SELECT
            "t0"."order_id",
            "t0"."customer_id",
            "t0"."ordered_at",
            "t0"."amount",
            "t0"."currency",
            CAST(DATE_TRUNC(
              'MONTH',
              "t0"."ordered_at" + TO_SECONDS(
                CAST(CASE
                  WHEN "t0"."ordered_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
                  THEN 7200
                  WHEN "t0"."ordered_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
                  THEN 10800
                  WHEN "t0"."ordered_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
                  THEN 7200
                  WHEN "t0"."ordered_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
                  THEN 10800
                  WHEN "t0"."ordered_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
                  THEN 7200
                  WHEN "t0"."ordered_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
                  THEN 10800
                  ELSE 7200
                END AS BIGINT)
              )
            ) AS DATE) AS "period_start"
          FROM "orders" AS "t0"
          WHERE
            "t0"."ordered_at" IS NOT NULL
            AND "t0"."ordered_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
            AND "t0"."ordered_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
        ) AS "t6"
        GROUP BY
          1,
          2
      ) AS "t9"
        ON "t11"."customer_id" = "t9"."o_customer"
        AND COALESCE("t11"."period_start", MAKE_DATE(1900, 1, 1)) = "t9"."o_key"
    ) AS "t12"
    GROUP BY
      1,
      2
  ) AS "t13"
) AS "t14"
