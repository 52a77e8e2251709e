SELECT
  "t10"."period_start",
  "t10"."_d_channel" AS "channel",
  "t10"."n",
  "t10"."mean",
  "t10"."std",
  "t10"."skipped"
FROM (
  SELECT
    "t9"."period_start",
    "t9"."_d_channel",
    COUNT("t9"."score") FILTER(WHERE
      (
        "t9"."survey_type" = 'cx'
      ) AND "t9"."answered") AS "n",
    AVG("t9"."score") FILTER(WHERE
      (
        "t9"."survey_type" = 'cx'
      ) AND "t9"."answered") AS "mean",
    STDDEV_SAMP("t9"."score") FILTER(WHERE
      (
        "t9"."survey_type" = 'cx'
      ) AND "t9"."answered") AS "std",
    COUNT(*) FILTER(WHERE
      (
        "t9"."survey_type" = 'cx'
      ) AND NOT (
        "t9"."answered"
      )) AS "skipped"
  FROM (
    SELECT
      "t8"."response_id",
      "t8"."survey",
      "t8"."survey_type",
      "t8"."responded_at",
      "t8"."score",
      "t8"."raw_score",
      "t8"."scale_min",
      "t8"."scale_max",
      "t8"."question",
      "t8"."comment",
      "t8"."ticket_id",
      "t8"."answered",
      "t8"."promoter",
      "t8"."detractor",
      "t8"."passive",
      "t8"."top2",
      "t8"."out_of_scale",
      "t8"."customer_id",
      "t8"."agent_id",
      "t8"."channel",
      "t8"."language",
      "t8"."category",
      "t8"."priority",
      "t8"."team",
      "t8"."brand",
      "t8"."product",
      "t8"."submission",
      "t8"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t8"."responded_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t8"."responded_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t8"."responded_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t8"."responded_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t8"."responded_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t8"."responded_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t8"."responded_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t7"."response_id",
        "t7"."survey",
        "t7"."survey_type",
        "t7"."responded_at",
        "t7"."score",
        "t7"."raw_score",
        "t7"."scale_min",
        "t7"."scale_max",
        "t7"."question",
        "t7"."comment",
        "t7"."ticket_id",
        "t7"."answered",
        "t7"."promoter",
        "t7"."detractor",
        "t7"."passive",
        "t7"."top2",
        "t7"."out_of_scale",
        COALESCE("t7"."customer_id", "t3"."t_customer") AS "customer_id",
        COALESCE("t7"."agent_id", "t3"."t_agent") AS "agent_id",
        COALESCE("t7"."channel", "t3"."t_channel") AS "channel",
        COALESCE("t7"."language", "t3"."t_language") AS "language",
        "t3"."t_category" AS "category",
        "t3"."t_priority" AS "priority",
        "t3"."t_team" AS "team",
        "t3"."t_brand" AS "brand",
        "t3"."t_product" AS "product",
        "t7"."survey" || '|' || COALESCE(COALESCE("t7"."customer_id", "t3"."t_customer"), '') || '|' || COALESCE("t7"."ticket_id", '') || '|' || CAST("t7"."responded_at" AS TEXT) AS "submission"
      FROM (
        SELECT
          "t5"."response_id",
          "t5"."survey",
          "t5"."responded_at",
          "t5"."score",
          "t5"."scale_min",
          "t5"."scale_max",
          "t5"."question",
          "t5"."comment",
          "t5"."customer_id",
          "t5"."ticket_id",
          "t5"."agent_id",
          "t5"."channel",
          "t5"."language",
          "t5"."survey_type",
          "t5"."raw_score",
          "t5"."score" IS NOT NULL AS "answered",
          "t5"."score" >= 9 AS "promoter",
          "t5"."score" <= 6 AS "detractor",
          (
            "t5"."score" > 6
          ) AND (
            "t5"."score" < 9
          ) AS "passive",
          CASE
            WHEN (
              (
                "t5"."scale_max" - "t5"."scale_min"
              ) + 1
            ) > 3
            THEN "t5"."score" >= (
              "t5"."scale_max" - 1
            )
            ELSE "t5"."score" >= "t5"."scale_max"
          END AS "top2",
          (
            "t5"."score" < "t5"."scale_min"
          ) OR (
            "t5"."score" > "t5"."scale_max"
          ) AS "out_of_scale"
        FROM (
          SELECT
            "t4"."response_id",
            "t4"."survey",
            "t4"."responded_at",
            CASE
              WHEN FALSE
              THEN (
                COALESCE(
                  COALESCE("t4"."scale_min", CAST(NULL AS DOUBLE)),
                  CASE
                    WHEN "t4"."survey_type" = 'nps'
                    THEN 0.0
                    WHEN "t4"."survey_type" = 'csat'
                    THEN 1.0
                    WHEN "t4"."survey_type" = 'ces'
                    THEN 1.0
                    WHEN "t4"."survey_type" = 'cx'
                    THEN 1.0
                    ELSE CAST(NULL AS DOUBLE)
                  END
                ) + COALESCE(
                  COALESCE("t4"."scale_max", CAST(NULL AS DOUBLE)),
                  CASE
                    WHEN "t4"."survey_type" = 'nps'
                    THEN 10.0
                    WHEN "t4"."survey_type" = 'csat'
                    THEN 5.0
                    WHEN "t4"."survey_type" = 'ces'
                    THEN 7.0
                    WHEN "t4"."survey_type" = 'cx'
                    THEN 5.0
                    ELSE CAST(NULL AS DOUBLE)
                  END
                )
              ) - "t4"."score"
              ELSE "t4"."score"
            END AS "score",
            COALESCE(
              COALESCE("t4"."scale_min", CAST(NULL AS DOUBLE)),
              CASE
                WHEN "t4"."survey_type" = 'nps'
                THEN 0.0
                WHEN "t4"."survey_type" = 'csat'
                THEN 1.0
                WHEN "t4"."survey_type" = 'ces'
                THEN 1.0
                WHEN "t4"."survey_type" = 'cx'
                THEN 1.0
                ELSE CAST(NULL AS DOUBLE)
              END
            ) AS "scale_min",
            COALESCE(
              COALESCE("t4"."scale_max", CAST(NULL AS DOUBLE)),
              CASE
                WHEN "t4"."survey_type" = 'nps'
                THEN 10.0
                WHEN "t4"."survey_type" = 'csat'
                THEN 5.0
                WHEN "t4"."survey_type" = 'ces'
                THEN 7.0
                WHEN "t4"."survey_type" = 'cx'
                THEN 5.0
                ELSE CAST(NULL AS DOUBLE)
              END
            ) AS "scale_max",
            "t4"."question",
            "t4"."comment",
            "t4"."customer_id",
            "t4"."ticket_id",
            "t4"."agent_id",
            "t4"."channel",
            "t4"."language",
            "t4"."survey_type",
            "t4"."score" AS "raw_score"
          FROM (
            SELECT
              "t1"."response_id",
              "t1"."survey",
              "t1"."responded_at",
              "t1"."score",
              "t1"."scale_min",
              "t1"."scale_max",
              "t1"."question",
              "t1"."comment",
              "t1"."customer_id",
              "t1"."ticket_id",
              "t1"."agent_id",
              "t1"."channel",
              "t1"."language",
              COALESCE(
                CAST(NULL AS TEXT),
                CASE
                  WHEN "t1"."survey" = 'nps'
                  THEN 'nps'
                  WHEN "t1"."survey" = 'csat'
                  THEN 'csat'
                  WHEN "t1"."survey" = 'ces'
                  THEN 'ces'
                  WHEN "t1"."survey" = 'cx'
                  THEN 'cx'
                  ELSE 'custom'
                END
              ) AS "survey_type"
            FROM "survey_responses" AS "t1"
          ) AS "t4"
        ) AS "t5"
      ) AS "t7"
      LEFT OUTER JOIN (
        SELECT
          "t0"."ticket_id",
          "t0"."channel" AS "t_channel",
          "t0"."category" AS "t_category",
          "t0"."priority" AS "t_priority",
          "t0"."team" AS "t_team",
          "t0"."agent_id" AS "t_agent",
          "t0"."brand" AS "t_brand",
          "t0"."product" AS "t_product",
          "t0"."language" AS "t_language",
          "t0"."customer_id" AS "t_customer"
        FROM "tickets" AS "t0"
      ) AS "t3"
        ON "t7"."ticket_id" = "t3"."ticket_id"
    ) AS "t8"
    WHERE
      "t8"."responded_at" IS NOT NULL
      AND "t8"."responded_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t8"."responded_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t9"
  GROUP BY
    1,
    2
) AS "t10"
