package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poa.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The rewards' share weight UDF gives what Spark's own round and ANSI cast gave, on Spark itself. */
class ShareWeightSparkTest {
  @Test
  void theWeightUdfMatchesSparksRoundAndCast() {
    List<Row> rows = new ArrayList<>();
    Random random = new Random(5);
    for (int i = 0; i < 3000; i++) {
      rows.add(RowFactory.create(random.nextDouble()));
      rows.add(RowFactory.create(Math.scalb(i + 0.5, -40)));
      rows.add(RowFactory.create(Math.scalb(Math.nextDown(i + 0.5), -40)));
      rows.add(RowFactory.create(Math.scalb(Math.nextUp(i + 0.5), -40)));
      rows.add(RowFactory.create(-random.nextDouble()));
    }
    rows.add(RowFactory.create(Math.scalb(0.49999999999999994, -40)));
    rows.add(RowFactory.create(1.0));
    rows.add(RowFactory.create(0.0));
    rows.add(RowFactory.create((Object) null));
    SparkSession spark = SharedSpark.spark();
    Dataset<Row> shares = spark.createDataFrame(rows, new StructType().add("share", DataTypes.DoubleType, true));
    List<Row> out = dev.poa.jobs.PoaSpark.withSettings(spark, RewardsJob.DERIVATION_SETTINGS, () -> shares.select(col("share"),
        round(col("share").multiply(lit(Math.scalb(1.0, RewardsJob.SHARE_BITS)))).cast("long").as("spark"),
        RewardsJob.SHARE_WEIGHT.apply(col("share")).as("udf")).collectAsList());
    assertEquals(rows.size(), out.size());
    int positive = 0;
    for (Row r : out) {
      Long bySpark = r.isNullAt(1) ? null : r.getLong(1);
      Long udf = r.isNullAt(2) ? null : r.getLong(2);
      // the split keeps only positive weights: a weight that is not positive is 0 from the UDF
      Long kept = bySpark == null ? null : Math.max(bySpark, 0L);
      assertEquals(kept, udf, "share " + r.get(0));
      positive += udf != null && udf > 0 ? 1 : 0;
    }
    assertEquals(true, positive > 9000, "most shares give a positive weight: " + positive);
  }
}
