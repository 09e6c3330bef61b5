"""What a tested run shows on the Training page: the test results as the course prints
them, the confusion matrix and the digits it gets wrong, and the comparison with the MLP."""

from __future__ import annotations

import functools
import math

import streamlit as st

import cnn
from cnn import notebook
from cnn.config import NUM_CLASSES
from ui import charts, keys
from ui.live_training import history_figure, request_training
from ui.text import language, t

MISTAKES_SHOWN = 20


def loss_help(recipe: cnn.TrainingRecipe) -> str | None:
    """Why a run trained with label smoothing has a higher loss (None without smoothing): it
    aims at less than 1 for the right digit, so even its right answers cost some loss."""
    smoothing = recipe.label_smoothing
    if not smoothing:
        return None
    target = 1 - smoothing + smoothing / NUM_CLASSES
    return t(
        "train.test_loss_smoothed",
        smoothing=f"{smoothing:g}",
        target=f"{target:.2f}",
        floor=f"{-math.log(target):.2f}",
    )


def show_test_results(run: cnn.TrainingRun) -> None:
    """Test accuracy and loss as the course prints them; the model to use or download."""
    evaluation = run.evaluation
    st.subheader(t("train.test_results"))
    accuracy_column, loss_column, epochs_column = st.columns(3)
    accuracy_column.metric(t("train.test_accuracy"), f"{evaluation.accuracy:.2%}", border=True)
    loss_column.metric(
        t("train.test_loss"), f"{evaluation.loss:.4f}", help=loss_help(run.recipe), border=True
    )
    epochs_column.metric(t("train.epochs_trained"), run.epochs_done, border=True)
    values = f"[{evaluation.loss:.4f}, {evaluation.accuracy:.4f}]"
    st.caption(t("train.course_print", values=values))
    with st.container(horizontal=True, vertical_alignment="center"):
        if st.session_state.get(keys.MODEL_SOURCE) == "session":
            st.success(t("train.predict_uses"), icon=":material/check_circle:")
        st.page_link("pages/predict.py", label=t("train.go_predict"), icon=":material/draw:")
        st.download_button(
            t("train.download"),
            data=lambda model=run.model: cnn.save_model_bytes(model),
            file_name="cnn_lab_model.keras",
            mime="application/zip",
            key="train_download",
            on_click="ignore",
            icon=":material/download:",
        )
    show_keras_code(run.recipe)


def show_keras_code(recipe: cnn.TrainingRecipe) -> None:
    """The network and recipe as the Keras code the course is written in, and the whole
    course for them as a Jupyter notebook to download (`cnn.notebook`)."""
    with st.expander(t("train.keras_code"), icon=":material/code:"):
        st.code(notebook.model_code(recipe.model, recipe), language="python")
        st.code(notebook.training_code(recipe), language="python")
        st.download_button(
            t("train.download_notebook"),
            data=functools.partial(notebook.notebook_bytes, recipe, language()),
            file_name="cnn_lab_course.ipynb",
            mime="application/x-ipynb+json",
            key="train_download_notebook",
            on_click="ignore",
            icon=":material/download:",
        )


def show_mistakes(run: cnn.TrainingRun) -> None:
    """The confusion matrix, and the test digits it got most confidently wrong."""
    evaluation = run.evaluation
    matrix_column, mistakes_column = st.columns(2)
    with matrix_column:
        st.markdown(f"**{t('train.confusion')}**")
        st.caption(t("train.confusion_help"))
        confusion = charts.confusion_matrix_figure(
            evaluation.confusion, x_title=t("train.predicted_digit"), y_title=t("train.true_digit")
        )
        confusion.update_xaxes(dtick=1).update_yaxes(dtick=1)  # label every digit
        st.plotly_chart(confusion, key="train_confusion", alt=t("train.confusion"))
    with mistakes_column:
        st.markdown(f"**{t('train.mistakes', count=len(evaluation.misclassified))}**")
        images, titles = cnn.misclassified_examples(evaluation, run.data, MISTAKES_SHOWN)
        if not titles:
            st.caption(t("train.no_mistakes"))
            return
        st.caption(t("train.mistakes_help"))
        st.plotly_chart(
            charts.digit_grid_figure(images, titles, columns=5),
            key="train_mistakes",
            alt=t("train.mistakes_alt"),
        )


def show_mlp_comparison(run: cnn.TrainingRun) -> None:
    """The course's conclusion: the CNN against an MLP trained on the same digits."""
    st.subheader(t("train.compare_title"))
    st.caption(t("train.compare_intro"))
    mlp = st.session_state.get(keys.MLP)
    if mlp is None:
        st.button(
            t("train.compare", epochs=run.epochs_done),
            key="train_compare_mlp",
            icon=":material/compare_arrows:",
            on_click=request_training,
            args=("mlp",),
        )
        return
    figure = history_figure({"CNN": run.history, "MLP": mlp.history})
    st.plotly_chart(figure, key="train_compare_chart", alt=t("train.compare_alt"))
    table = cnn.compare_runs([run, mlp])
    percentages = ["test_accuracy", "train_accuracy", "validation_accuracy", "gap"]
    table[percentages] *= 100
    table.columns = [t(f"train.column_{name}") for name in table.columns]
    percent = st.column_config.NumberColumn(format="%.2f%%")
    st.dataframe(
        table,
        hide_index=True,
        key="train_compare_table",
        column_config={
            t("train.column_params"): st.column_config.NumberColumn(format="localized"),
            **{t(f"train.column_{name}"): percent for name in percentages},
        },
        alt=t("train.compare_table_alt"),
    )
    st.caption(t("train.gap_help"))
