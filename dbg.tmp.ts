import { initBackend, tf } from './electron/engine/model/backend';
import { loadModel } from './electron/engine/model/checkpoint';
import { withEmbeddingTop } from './electron/engine/model/embedding-top';
await initBackend();
const { model: head, card } = await loadModel('models/digits-embedding');
const top = withEmbeddingTop(head, card, 2);
const ad = await loadModel('/tmp/embed-bench/g2tiny/model');
for (const name of ['embed_model_conv2d_18_Conv2D', 'embed_model_conv2d_19_Conv2D', 'conv3', 'output', 'conv1']) {
  const a = top.model.getLayer(name).getWeights(); const b = ad.model.getLayer(name).getWeights();
  a.forEach((w, i) => console.log(name, i, w.shape, 'absmean', tf.mean(tf.abs(w)).dataSync()[0].toExponential(2), 'maxdiff', tf.max(tf.abs(tf.sub(w, b[i]))).dataSync()[0].toExponential(2)));
}
