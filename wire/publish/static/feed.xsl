<?xml version="1.0" encoding="UTF-8"?>
<!--
  wire's RSS 2.0 and Atom 1.0 feeds as a page, for a person who opens a feed's
  address in a browser: what the feed is, how to follow it, and its stories with
  their attribution. Feed readers never fetch this file (it is referenced by an
  xml-stylesheet processing instruction, which they ignore). Browsers without
  XSLT apply feed.css to the feed itself instead.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:at="http://purl.org/atompub/tombstones/1.0"
    xmlns:wire="https://wire.example/ns/1.0"
    exclude-result-prefixes="atom at wire">
  <xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/> · feed</title>
        <link rel="stylesheet" href="feed.css"/>
      </head>
      <body class="wire-feed">
        <main>
          <xsl:apply-templates select="rss/channel | atom:feed"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- the header: what this is and how to follow it -->
  <xsl:template name="about">
    <xsl:param name="title"/>
    <xsl:param name="kind"/>
    <xsl:param name="home"/>
    <p class="wire-feed-note">
      This is a news feed (<xsl:value-of select="$kind"/>). Copy its address into
      a feed reader to follow it; partners use it with their token.
    </p>
    <h1><xsl:value-of select="$title"/></h1>
    <nav class="wire-feed-formats" aria-label="This feed in other formats">
      <xsl:if test="$home"><a href="{$home}">Front page</a></xsl:if>
      <xsl:for-each select="atom:link[@rel='alternate' and @type!='text/html']">
        <a href="{@href}"><xsl:value-of select="@title"/></a>
      </xsl:for-each>
    </nav>
  </xsl:template>

  <xsl:template match="rss/channel">
    <xsl:call-template name="about">
      <xsl:with-param name="title" select="title"/>
      <xsl:with-param name="kind">RSS 2.0</xsl:with-param>
      <xsl:with-param name="home" select="link"/>
    </xsl:call-template>
    <ol class="wire-feed-items">
      <xsl:for-each select="item">
        <li>
          <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
          <xsl:call-template name="attribution">
            <xsl:with-param name="when" select="pubDate"/>
          </xsl:call-template>
        </li>
      </xsl:for-each>
    </ol>
  </xsl:template>

  <xsl:template match="atom:feed">
    <xsl:call-template name="about">
      <xsl:with-param name="title" select="atom:title"/>
      <xsl:with-param name="kind">Atom 1.0</xsl:with-param>
      <xsl:with-param name="home" select="atom:link[@rel='alternate' and @type='text/html']/@href"/>
    </xsl:call-template>
    <ol class="wire-feed-items">
      <xsl:for-each select="at:deleted-entry">
        <li class="wire-feed-gone">
          <h2>Withdrawn: do not use</h2>
          <p class="wire-feed-meta"><xsl:value-of select="at:comment"/></p>
          <p class="wire-feed-meta"><code><xsl:value-of select="@ref"/></code></p>
        </li>
      </xsl:for-each>
      <xsl:for-each select="atom:entry">
        <li>
          <xsl:if test="@xml:lang"><xsl:attribute name="lang"><xsl:value-of select="@xml:lang"/></xsl:attribute></xsl:if>
          <h2 dir="auto"><a href="{atom:link[not(@rel) or @rel='alternate'][1]/@href}"><xsl:value-of select="atom:title"/></a></h2>
          <xsl:call-template name="attribution">
            <xsl:with-param name="when" select="atom:published | atom:updated[not(../atom:published)]"/>
          </xsl:call-template>
        </li>
      </xsl:for-each>
    </ol>
  </xsl:template>

  <!-- one story's attribution, from wire's namespace (the same in both formats) -->
  <xsl:template name="attribution">
    <xsl:param name="when"/>
    <p class="wire-feed-meta">
      <time><xsl:value-of select="$when"/></time>
      <xsl:if test="wire:provider"> · <xsl:value-of select="wire:provider"/></xsl:if>
      <xsl:if test="wire:pubStatus and wire:pubStatus!='usable'"> · <strong><xsl:value-of select="wire:pubStatus"/></strong></xsl:if>
    </p>
    <xsl:if test="normalize-space(wire:byline)"><p class="wire-feed-byline">By <xsl:value-of select="wire:byline"/></p></xsl:if>
    <xsl:if test="wire:dateline"><p class="wire-feed-meta"><xsl:value-of select="wire:dateline"/></p></xsl:if>
    <xsl:if test="wire:creditline"><p class="wire-feed-credit">Credit: <xsl:value-of select="wire:creditline"/></p></xsl:if>
  </xsl:template>
</xsl:stylesheet>
