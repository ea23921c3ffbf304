//! Charts as SVG, drawn on the server with `plotters` (its SVG backend, into a string): a title,
//! axes with units, a legend. The page puts each in a `<figure>` with the same numbers as a
//! table beside it, so nothing depends on reading the picture or telling its colours apart.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::prelude::*;

/// Drawing size in SVG units; CSS scales it to the column.
const SIZE: (u32, u32) = (720, 360);

/// Series colours, dark enough for WCAG AA contrast against white (3:1 for graphics).
pub const BLUE: RGBColor = RGBColor(0x0b, 0x4f, 0x8a);
pub const RED: RGBColor = RGBColor(0xa1, 0x15, 0x1b);
pub const GREEN: RGBColor = RGBColor(0x17, 0x60, 0x2c);
pub const AMBER: RGBColor = RGBColor(0x8a, 0x5a, 0x00);

/// A series of a bar chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: RGBColor,
    pub values: Vec<f64>,
}

/// Why a chart could not be drawn (logged; the table is still shown).
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

/// Adds the accessible name: the picture is labelled by its title; the table carries the data.
fn labelled(svg: String, title: &str) -> String {
    let title = title.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
    svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{title}\" "), 1)
}

fn label_at(labels: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => labels.get(*i).cloned().unwrap_or_default(),
        SegmentValue::Last => String::new(),
    }
}

/// Months along x, amounts up y: the frame both month charts share, caption and mesh drawn.
fn month_axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    labels: &[String],
    max: f64,
    y_desc: &str,
    y_format: Option<&dyn Fn(&f64) -> String>,
) -> Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<plotters::coord::ranged1d::SegmentedCoord<RangedCoordusize>, RangedCoordf64>,
    >,
    ChartError,
> {
    let n = labels.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((0..n).into_segmented(), 0f64..max)
        .map_err(err)?;
    let mut mesh = chart.configure_mesh();
    if let Some(f) = y_format {
        mesh.y_label_formatter(f);
    }
    mesh.disable_x_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&|v| label_at(labels, v))
        .y_desc(y_desc)
        .x_desc("Month (UTC)")
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// The legend box every chart draws, at `position`.
fn legend<'a, 'b: 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(err)
}

/// Vertical bars, the series stacked, one bar per label.
pub fn stacked_bars(title: &str, labels: &[String], series: &[Series], y_desc: &str) -> Result<String, ChartError> {
    let n = labels.len().max(1);
    let max = (0..labels.len())
        .map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0)).sum::<f64>())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = month_axes(&root, title, labels, max, y_desc, None)?;
        let mut base = vec![0f64; n];
        for s in series {
            let colour = s.colour;
            let bars: Vec<_> = (0..n)
                .map(|i| {
                    let v = s.values.get(i).copied().unwrap_or(0.0);
                    let r = Rectangle::new(
                        [(SegmentValue::Exact(i), base[i]), (SegmentValue::Exact(i + 1), base[i] + v)],
                        colour.filled(),
                    );
                    base[i] += v;
                    r
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(labelled(svg, title))
}

/// Horizontal bars, one per label, largest first.
pub fn horizontal_bars(
    title: &str,
    labels: &[String],
    values: &[f64],
    x_desc: &str,
    colour: RGBColor,
) -> Result<String, ChartError> {
    let n = labels.len().max(1);
    let max = values.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(0f64..max, (0..n).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| label_at(labels, v))
            .x_desc(x_desc)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                Rectangle::new([(0.0, SegmentValue::Exact(i)), (*v, SegmentValue::Exact(i + 1))], colour.filled())
            }))
            .map_err(err)?
            .label(x_desc.to_owned())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled()));
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(labelled(svg, title))
}

/// A line of percentages over labelled points (months).
pub fn percent_line(title: &str, labels: &[String], values: &[f64], series: &str) -> Result<String, ChartError> {
    let max = values.iter().copied().fold(0.0, f64::max).clamp(10.0, 100.0) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart =
            month_axes(&root, title, labels, max, "Share of the month's support (%)", Some(&|v| format!("{v:.0} %")))?;
        let points: Vec<_> = values.iter().enumerate().map(|(i, v)| (SegmentValue::CenterOf(i), *v)).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), RED.stroke_width(3)))
            .map_err(err)?
            .label(series.to_owned())
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], RED.stroke_width(3)));
        // Markers too, so single months and the line's points are visible without colour.
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, RED.filled()))).map_err(err)?;
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(labelled(svg, title))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn charts_are_svg_with_a_title_axes_and_a_legend() {
        let labels = vec!["2024-01".to_owned(), "2024-02".to_owned()];
        let svg = stacked_bars(
            "Support by month",
            &labels,
            &[
                Series { name: "lethal".into(), colour: RED, values: vec![1.0, 2.0] },
                Series { name: "non-lethal".into(), colour: BLUE, values: vec![0.5, 0.25] },
            ],
            "EUR million",
        )
        .unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Support by month\""), "{}", &svg[..80]);
        for text in ["Support by month", "EUR million", "Month (UTC)", "lethal", "non-lethal", "2024-02"] {
            assert!(svg.contains(text), "{text} is drawn");
        }
        assert!(!svg.contains("style="), "no inline styles: the CSP forbids them");
        let h = horizontal_bars("Top donors", &labels, &[3.0, 1.0], "EUR million", BLUE).unwrap();
        assert!(h.contains("Top donors") && h.contains("EUR million"));
        let l = percent_line("Long-range share", &labels, &[10.0, 20.0], "long-range share").unwrap();
        assert!(l.contains("long-range share") && l.contains('%'));
    }
}
