SELECT
  "t11"."period_start",
  "t11"."_d_channel" AS "channel",
  "t11"."n",
  "t11"."mean",
  "t11"."std",
  "t11"."quantiles"
FROM (
  SELECT
    "t10"."period_start",
    "t10"."_d_channel",
    COUNT("t10"."wait_s") FILTER(WHERE
      NOT (
        "t10"."is_first"
      ) AND (
        "t10"."wait_s" IS NOT NULL
      )) AS "n",
    AVG("t10"."wait_s") FILTER(WHERE
      NOT (
        "t10"."is_first"
      ) AND (
        "t10"."wait_s" IS NOT NULL
      )) AS "mean",
    STDDEV_SAMP("t10"."wait_s") FILTER(WHERE
      NOT (
        "t10"."is_first"
      ) AND (
        "t10"."wait_s" IS NOT NULL
      )) AS "std",
    QUANTILE_CONT("t10"."wait_s", [0.5, 0.9]) FILTER(WHERE
      NOT (
        "t10"."is_first"
      ) AND (
        "t10"."wait_s" IS NOT NULL
      )) AS "quantiles"
  FROM (
    SELECT
      "t9"."ticket_id",
      "t9"."wait_start",
      "t9"."reply_at",
      "t9"."channel",
      "t9"."category",
      "t9"."priority",
      "t9"."team",
      "t9"."agent_id",
      "t9"."brand",
      "t9"."product",
      "t9"."language",
      "t9"."customer_id",
      "t9"."status",
      "t9"."created_by",
      "t9"."wait_s",
      "t9"."is_first",
      "t9"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t9"."reply_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t9"."reply_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t9"."reply_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t9"."reply_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t9"."reply_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t9"."reply_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t9"."reply_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t8".*
        EXCLUDE ("_first")
      FROM (
        SELECT
          "t7"."ticket_id",
          "t7"."wait_start",
          "t7"."reply_at",
          "t7"."channel",
          "t7"."category",
          "t7"."priority",
          "t7"."team",
          "t7"."agent_id",
          "t7"."brand",
          "t7"."product",
          "t7"."language",
          "t7"."customer_id",
          "t7"."status",
          "t7"."created_by",
          "t7"."wait_s",
          "t7"."_first",
          COALESCE("t7"."reply_at" <= "t7"."_first", TRUE) AS "is_first"
        FROM (
          SELECT
            "t6".*
            EXCLUDE ("_tid")
          FROM (
            SELECT
              "t5"."ticket_id",
              "t5"."wait_start",
              "t5"."reply_at",
              "t5"."channel",
              "t5"."category",
              "t5"."priority",
              "t5"."team",
              "t5"."agent_id",
              "t5"."brand",
              "t5"."product",
              "t5"."language",
              "t5"."customer_id",
              "t5"."status",
              "t5"."created_by",
              "t5"."wait_s",
              "t3"."_tid",
              "t3"."_first"
            FROM (
              SELECT
                "t0"."ticket_id",
                "t0"."wait_start",
                "t0"."reply_at",
                "t0"."channel",
                "t0"."category",
                "t0"."priority",
                "t0"."team",
                "t0"."agent_id",
                "t0"."brand",
                "t0"."product",
                "t0"."language",
                "t0"."customer_id",
                "t0"."status",
                "t0"."created_by",
                CAST(CAST(FLOOR(EPOCH(CAST("t0"."reply_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."wait_start" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "wait_s"
              FROM "_fact_waits" AS "t0"
            ) AS "t5"
            LEFT OUTER JOIN (
              SELECT
                "t1"."ticket_id" AS "_tid",
                "t1"."first_reply_at" AS "_first"
              FROM "_fact_tickets" AS "t1"
            ) AS "t3"
              ON "t5"."ticket_id" = "t3"."_tid"
          ) AS "t6"
        ) AS "t7"
      ) AS "t8"
    ) AS "t9"
    WHERE
      "t9"."reply_at" IS NOT NULL
      AND "t9"."reply_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t9"."reply_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t10"
  GROUP BY
    1,
    2
) AS "t11"
