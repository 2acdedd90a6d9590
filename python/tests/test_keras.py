"""ckpt.keras.CandleCkptKeras driven as Keras' fit() drives a callback, with
a stand-in model (Keras is not in Debian) implementing save/load_weights:
the tracked metric and its direction from the known-metrics table (or
ckpt_save_best_direction), every other log as an extra metric, restart
through load_weights, and a model.save that raises."""

import json
import os

import ckpt
import ckpt.keras
import support


class StandInModel:
    """What the glue needs of a Keras model."""

    def __init__(self):
        self.weights = [0.0, 0.0]
        self.fail_save = False

    def save(self, path):
        if self.fail_save:
            raise OSError("quota exceeded writing %s" % os.path.basename(path))
        with open(path, "w") as f:
            json.dump(self.weights, f)

    def load_weights(self, path):
        with open(path) as f:
            self.weights = json.load(f)


def fit(callback, model, logs_per_epoch, initial_epoch=0):
    """The order in which Keras' fit() calls a callback."""
    callback.set_params({"epochs": len(logs_per_epoch)})
    callback.set_model(model)
    callback.on_train_begin()
    for epoch in range(initial_epoch, len(logs_per_epoch)):
        callback.on_epoch_begin(epoch)
        model.weights = [w + 1.0 for w in model.weights]
        callback.on_epoch_end(epoch, dict(logs_per_epoch[epoch]))
    callback.on_train_end()


LOGS = [{"loss": 1.0 - 0.1 * e, "val_loss": v, "accuracy": 0.5 + 0.05 * e, "val_accuracy": a,
         "lr": 0.01} for e, (v, a) in enumerate([(0.9, 0.6), (0.7, 0.7), (0.8, 0.65),
                                                  (0.6, 0.8), (0.65, 0.75)])]


class Keras(support.TreeTestCase):
    def params(self, **extra):
        return dict({"epochs": len(LOGS), "ckpt_directory": os.path.join(self.tmp, "ckpts"),
                     "ckpt_keep_limit": 2}, **extra)

    def test_fit_saves_tracks_val_loss_and_records_the_other_logs(self):
        model = StandInModel()
        with ckpt.keras.CandleCkptKeras(self.params(), logger=None) as cb:
            self.assertEqual(cb.direction, "-")
            fit(cb, model, LOGS)
        run = ckpt.Run(self.tmp)
        self.assertEqual((run.metric, run.direction, run.best, run.last), ("val_loss", "-", 4, 5))
        self.assertEqual(run.epoch(5).metrics,
                         {"loss": LOGS[4]["loss"], "accuracy": LOGS[4]["accuracy"],
                          "val_accuracy": 0.75, "lr": 0.01})
        self.assertEqual([p.value for p in run.history()], [e["val_loss"] for e in LOGS])
        with open(os.path.join(run.path, "last", "model.h5")) as f:
            self.assertEqual(json.load(f), [5.0, 5.0])
        support.check_original_format(self, run.path, checksums=False)

        fresh = StandInModel()
        with ckpt.keras.CandleCkptKeras(self.params(), logger=None) as cb:
            info = cb.restart(fresh)
        self.assertEqual((info["epoch"], fresh.weights), (5, [5.0, 5.0]))
        self.assertEqual(info["best_metric_last"], 0.6)

    def test_accuracy_is_tracked_upwards(self):
        with ckpt.keras.CandleCkptKeras(self.params(ckpt_save_best_metric="val_accuracy"),
                                        logger=None) as cb:
            self.assertEqual(cb.direction, "+")
            fit(cb, StandInModel(), LOGS)
        run = ckpt.Run(self.tmp)
        self.assertEqual((run.direction, run.best, run.best_metric), ("+", 4, 0.8))
        self.assertNotIn("val_accuracy", run.epoch(4).metrics)

    def test_unknown_metrics_need_a_direction(self):
        with self.assertRaisesRegex(ValueError, "ckpt_save_best_direction"):
            ckpt.keras.CandleCkptKeras(self.params(ckpt_save_best_metric="dice"), logger=None)
        params = self.params(ckpt_save_best_metric="dice", ckpt_save_best_direction="+")
        logs = [dict(e, dice=0.1 * i) for i, e in enumerate(LOGS)]
        with ckpt.keras.CandleCkptKeras(params, logger=None) as cb:
            fit(cb, StandInModel(), logs)
        self.assertEqual(ckpt.Run(self.tmp).best, 5)

    def test_a_metric_missing_from_the_logs_is_an_error(self):
        with ckpt.keras.CandleCkptKeras(self.params(), logger=None) as cb:
            cb.set_model(StandInModel())
            with self.assertRaisesRegex(ckpt.InvalidError, "save_best_metric='val_loss' not in"):
                cb.on_epoch_end(0, {"loss": 0.5})

    def test_a_failing_save_raises_its_own_error_and_saves_nothing(self):
        model = StandInModel()
        with ckpt.keras.CandleCkptKeras(self.params(), logger=None) as cb:
            cb.set_model(model)
            cb.on_epoch_end(0, LOGS[0])
            model.fail_save = True
            with self.assertRaisesRegex(OSError, "quota exceeded writing model.h5"):
                cb.on_epoch_end(1, LOGS[1])
        run = ckpt.Run(self.tmp)
        self.assertEqual(([e.epoch for e in run.epochs], run.last, run.work_leftover),
                         ([1], 1, False))
