/**
 * Custom layers used by the adaptation methods. Each starts as the identity, so an adapted model
 * begins exactly where the base model is. Registered for serialisation: a saved adapted model
 * (model.json) names them by class and loads back once this module has been imported.
 *
 * - `Lhuc` (learning hidden unit contributions; Swietojanski & Renals 2014): y = x * 2 sigmoid(r),
 *   one r per unit, r = 0 at start.
 * - `ResidualAdapter` (Houlsby et al. 2019; Bapna & Firat 2019): y = x + relu(x Wd + bd) Wu + bu with
 *   a small bottleneck; Wu and bu start at 0.
 * - `FeatureAffine` (a learned affine input transform in the spirit of fMLLR): y = x A + b,
 *   A = I and b = 0 at start.
 *
 * Shapes: input and output [batch, frames, units] float32 (Lhuc and ResidualAdapter take any rank:
 * they act on the last axis, so they also sit inside the speech embedding's 2-D conv blocks).
 *
 * Two reshaping layers let a model hold the speech embedding's top conv layers
 * (model/embedding-top.ts): `FrameWindows` folds [batch, frames, window * height * channels] (one
 * window of the frozen lower part's activations per output frame) into [batch * frames, window,
 * height, channels]; `UnfoldFrames` turns the result [batch * frames, 1, 1, units] back into
 * [batch, frames, units], reading batch and frames from the model input (its second input).
 */
import { tf } from './backend';

type Kwargs = Record<string, unknown>;

function lastDim(inputShape: tf.Shape | tf.Shape[]): number {
  const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  const d = s[s.length - 1];
  if (d === null) throw new Error('custom layer: the last dimension must be known');
  return d;
}

/** Apply a [d, k] matrix to the last axis of a [..., d] tensor (any rank >= 2). */
function matmul3d(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const d = x.shape[x.shape.length - 1];
  const k = w.shape[1]!;
  const lead = x.shape.slice(0, -1);
  return tf.reshape(tf.matMul(tf.reshape(x, [-1, d]), w as tf.Tensor2D), [...lead, k]);
}

export class Lhuc extends tf.layers.Layer {
  static className = 'Lhuc';
  private scale!: tf.LayerVariable;

  build(inputShape: tf.Shape | tf.Shape[]): void {
    this.scale = this.addWeight('scale', [lastDim(inputShape)], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.mul(x, tf.mul(2, tf.sigmoid(this.scale.read())));
    });
  }
}

export class ResidualAdapter extends tf.layers.Layer {
  static className = 'ResidualAdapter';
  private readonly bottleneck: number;
  private down!: tf.LayerVariable;
  private downBias!: tf.LayerVariable;
  private up!: tf.LayerVariable;
  private upBias!: tf.LayerVariable;

  constructor(args: tf.serialization.ConfigDict & { bottleneck?: number; name?: string }) {
    super(args as Kwargs);
    this.bottleneck = (args.bottleneck as number) ?? 16;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const d = lastDim(inputShape);
    this.down = this.addWeight(
      'down',
      [d, this.bottleneck],
      'float32',
      tf.initializers.glorotUniform({ seed: 7 }),
    );
    this.downBias = this.addWeight('down_bias', [this.bottleneck], 'float32', tf.initializers.zeros());
    this.up = this.addWeight('up', [this.bottleneck, d], 'float32', tf.initializers.zeros());
    this.upBias = this.addWeight('up_bias', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const h = tf.relu(tf.add(matmul3d(x, this.down.read()), this.downBias.read()));
      return tf.add(x, tf.add(matmul3d(h, this.up.read()), this.upBias.read()));
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bottleneck: this.bottleneck };
  }
}

export class FeatureAffine extends tf.layers.Layer {
  static className = 'FeatureAffine';
  private matrix!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const d = lastDim(inputShape);
    this.matrix = this.addWeight('matrix', [d, d], 'float32', tf.initializers.identity({ gain: 1 }));
    this.bias = this.addWeight('bias', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.add(matmul3d(x, this.matrix.read()), this.bias.read());
    });
  }
}

/** [batch, frames, window * height * channels] -> [batch * frames, window, height, channels]. */
export class FrameWindows extends tf.layers.Layer {
  static className = 'FrameWindows';
  readonly window: number;
  readonly height: number;
  readonly channels: number;

  constructor(args: tf.serialization.ConfigDict & { window: number; height: number; channels: number }) {
    super(args as Kwargs);
    this.window = args.window as number;
    this.height = args.height as number;
    this.channels = args.channels as number;
  }

  computeOutputShape(): tf.Shape {
    return [null, this.window, this.height, this.channels];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.reshape(x, [-1, this.window, this.height, this.channels]);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), window: this.window, height: this.height, channels: this.channels };
  }
}

/**
 * [[batch * frames, ..., units], [batch, frames, any]] -> [batch, frames, units]. Frames whose input
 * is all zero (a batch's padding) give zeros, as the head's zero-padded input has there: a padded
 * batch then gives each utterance the outputs it gets alone.
 */
export class UnfoldFrames extends tf.layers.Layer {
  static className = 'UnfoldFrames';

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [x, ref] = inputShape as tf.Shape[];
    return [ref[0], ref[1], x[x.length - 1]];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, ref] = inputs as tf.Tensor[];
    return tf.tidy(() => {
      const y = tf.reshape(x, [ref.shape[0], ref.shape[1]!, x.shape[x.shape.length - 1]]);
      const real = tf.cast(tf.greater(tf.max(tf.abs(ref), -1, true), 0), 'float32');
      return tf.mul(y, real);
    });
  }
}

tf.serialization.registerClass(Lhuc);
tf.serialization.registerClass(FrameWindows);
tf.serialization.registerClass(UnfoldFrames);
tf.serialization.registerClass(ResidualAdapter);
tf.serialization.registerClass(FeatureAffine);
