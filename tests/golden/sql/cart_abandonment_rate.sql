SELECT
  *
FROM (
  SELECT
    "t1"."period_start",
    SUM(CAST(COALESCE(COALESCE(NOT (
      "t1"."purchased"
    ), FALSE), FALSE) AS BIGINT)) AS "numerator",
    COUNT(*) AS "denominator"
  FROM (
    SELECT
      "t0"."cart_id",
      "t0"."created_at",
      "t0"."customer_id",
      (
        "t0"."purchased_at" IS NOT NULL
      ) OR (
        "t0"."order_id" IS NOT NULL
      ) AS "purchased",
      CAST(DATE_TRUNC(
        'MONTH',
        "t0"."created_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t0"."created_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."created_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t0"."created_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."created_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t0"."created_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."created_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM "carts" AS "t0"
    WHERE
      "t0"."created_at" IS NOT NULL
      AND "t0"."created_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t0"."created_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
