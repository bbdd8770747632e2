package org.kvexpress.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The size of a /v1/txn body, measured whole or grown one operation at a time, is the same number.
 */
class ConsulLimitsTest {
  @Test
  void growingABatchOneOperationAtATimeGivesTheSizeOfTheWholeBody() {
    Random random = new Random(7);
    List<TxnOp> ops = new ArrayList<>();
    int grown = 0;
    for (int i = 0; i < 40; i++) {
      byte[] value = new byte[random.nextInt(3000)];
      random.nextBytes(value);
      TxnOp op =
          switch (i % 4) {
            case 0 -> TxnOp.set("kvexpress/hosts/chunks/" + i, value, 2);
            case 1 -> TxnOp.delete("kvexpress/häuser/" + i);
            case 2 -> TxnOp.checkIndex("kvexpress/hosts/data", random.nextLong() & Long.MAX_VALUE);
            default ->
                TxnOp.set(
                    "kvexpress/\"quoted\"/" + i,
                    "x\u00e9".repeat(i).getBytes(StandardCharsets.UTF_8),
                    0);
          };
      ops.add(op);
      grown = ConsulLimits.txnBytesPlus(grown, op);
      assertThat(grown).as("after %d operations", ops.size()).isEqualTo(ConsulLimits.txnBytes(ops));
    }
  }
}
