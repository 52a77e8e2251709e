SELECT
  *
FROM (
  SELECT
    "t16".*
    EXCLUDE ("period_index")
  FROM (
    SELECT
      "t15"."period_index",
      "t15"."period_start",
      "t15"."new" AS "n",
      CASE
        WHEN "t15"."new" > 0
        THEN "t15"."spend" / CAST("t15"."new" AS DOUBLE)
        ELSE CAST(NULL AS DOUBLE)
      END AS "mean",
      CAST(NULL AS DOUBLE) AS "median",
      CAST(NULL AS DOUBLE) AS "p90",
      CAST(NULL AS DOUBLE) AS "std"
    FROM (
      SELECT
        "t14"."period_index",
        "t14"."period_start",
        SUM("t14"."spend") AS "spend",
        SUM("t14"."new") AS "new"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t12"."period_index",
            "t12"."period_start",
            (
              "t12"."amount" * CAST(EPOCH(CAST(LEAST("t12"."s1", "t12"."l_end") AS TIMESTAMP)) - EPOCH(CAST(GREATEST("t12"."s0", "t12"."l_start") AS TIMESTAMP)) AS DOUBLE)
            ) / CAST(EPOCH(CAST("t12"."s1" AS TIMESTAMP)) - EPOCH(CAST("t12"."s0" AS TIMESTAMP)) AS DOUBLE) AS "spend",
            0 AS "new"
          FROM (
            SELECT
              "t10"."s0",
              "t10"."s1",
              "t10"."amount",
              "t10"."_d_acquisition_channel",
              "t4"."period_index",
              "t4"."period_start",
              "t4"."p_start",
              "t4"."p_end",
              "t4"."l_start",
              "t4"."l_end"
            FROM (
              SELECT
                DATE_TRUNC(
                  'DAY',
                  "t0"."period_start" + TO_SECONDS(
                    CAST(CASE
                      WHEN "t0"."period_start" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
                      THEN 7200
                      WHEN "t0"."period_start" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
                      THEN 10800
                      WHEN "t0"."period_start" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
                      THEN 7200
                      WHEN "t0"."period_start" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
                      THEN 10800
                      WHEN "t0"."period_start" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
                      THEN 7200
                      WHEN "t0"."period_start" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
                      THEN 10800
                      ELSE 7200
                    END AS BIGINT)
                  )
                ) AS "s0",
                DATE_TRUNC(
                  'DAY',
                  "t0"."period_end" + TO_SECONDS(
                    CAST(CASE
                      WHEN "t0"."period_end" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
                      THEN 7200
                      WHEN "t0"."period_end" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
                      THEN 10800
                      WHEN "t0"."period_end" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
                      THEN 7200
                      WHEN "t0"."period_end" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
                      THEN 10800
                      WHEN "t0"."period_end" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
                      THEN 7200
                      WHEN "t0"."period_end" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
                      THEN 10800
                      ELSE 7200
                    END AS BIGINT)
                  )
                ) + INTERVAL '1' DAY AS "s1",
                "t0"."amount",
                "t0"."channel" AS "_d_acquisition_channel"
              FROM "marketing_spend" AS "t0"
            ) AS "t10"
            INNER JOIN "memtable_0" AS "t4"
              ON "t10"."s0" < "t4"."l_end" AND "t10"."s1" > "t4"."l_start"
          ) AS "t12"
        ) AS "t13"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t9"."period_index",
            "t9"."period_start",
            0.0 AS "spend",
            1 AS "new"
          FROM (
            SELECT
              "t7"."customer_id",
              "t7"."acquired_at",
              "t7"."churn_reason",
              "t7"."churned_at",
              "t5"."period_index",
              "t5"."period_start",
              "t5"."p_start",
              "t5"."p_end",
              "t5"."l_start",
              "t5"."l_end"
            FROM (
              SELECT
                "t2"."customer_id",
                "t2"."acquired_at",
                "t2"."churn_reason",
                CASE
                  WHEN "t2"."churned_at" < "t2"."acquired_at"
                  THEN "t2"."acquired_at"
                  ELSE "t2"."churned_at"
                END AS "churned_at"
              FROM "customers" AS "t2"
            ) AS "t7"
            INNER JOIN "memtable_1" AS "t5"
              ON "t7"."acquired_at" < "t5"."p_end"
          ) AS "t9"
          WHERE
            "t9"."acquired_at" >= "t9"."p_start"
        ) AS "t11"
      ) AS "t14"
      GROUP BY
        1,
        2
    ) AS "t15"
  ) AS "t16"
) AS "t17"
