SELECT
  *
FROM (
  SELECT
    "t1"."period_start",
    COUNT(*) AS "n",
    SUM("t1"."amount") AS "total"
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
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
