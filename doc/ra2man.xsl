<?xml version="1.0"?>
<!-- An OCF agent's meta-data to a man(7) page in the style of resource-agents'
     ocf_heartbeat_*(7): the agent's own table is the one source of truth.
     Parameters: version, date.  A hand-written roff fragment with the parts a
     table cannot say (depth table, examples) is appended by the build. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text"/>
<xsl:param name="version"/>
<xsl:param name="date"/>

<xsl:template name="upper">
  <xsl:param name="s"/>
  <xsl:value-of select="translate($s, 'abcdefghijklmnopqrstuvwxyz-', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_')"/>
</xsl:template>

<!-- roff: a backslash must be doubled; a line may not start with . or ' -->
<xsl:template name="roff">
  <xsl:param name="s"/>
  <xsl:variable name="t" select="normalize-space($s)"/>
  <xsl:choose>
    <xsl:when test="contains($t, '\')">
      <xsl:value-of select="substring-before($t, '\')"/><xsl:text>\e</xsl:text>
      <xsl:call-template name="roff"><xsl:with-param name="s" select="substring-after($t, '\')"/></xsl:call-template>
    </xsl:when>
    <xsl:otherwise><xsl:value-of select="$t"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>

<xsl:template match="/resource-agent">
  <xsl:text>.TH OCF_VMGUARD_</xsl:text>
  <xsl:call-template name="upper"><xsl:with-param name="s" select="@name"/></xsl:call-template>
  <xsl:text> 7 "</xsl:text><xsl:value-of select="$date"/>
  <xsl:text>" "vmguard </xsl:text><xsl:value-of select="$version"/>
  <xsl:text>" "OCF resource agents"&#10;.SH NAME&#10;ocf_vmguard_</xsl:text>
  <xsl:value-of select="@name"/><xsl:text> \- </xsl:text>
  <xsl:call-template name="roff"><xsl:with-param name="s" select="shortdesc"/></xsl:call-template>
  <xsl:text>&#10;.SH SYNOPSIS&#10;\fB</xsl:text><xsl:value-of select="@name"/>
  <xsl:text>\fR [</xsl:text>
  <xsl:for-each select="actions/action[not(@name = preceding-sibling::action/@name)]">
    <xsl:if test="position() &gt; 1"><xsl:text> | </xsl:text></xsl:if>
    <xsl:value-of select="@name"/>
  </xsl:for-each>
  <xsl:text>]&#10;.SH DESCRIPTION&#10;</xsl:text>
  <xsl:call-template name="roff"><xsl:with-param name="s" select="longdesc"/></xsl:call-template>
  <xsl:text>&#10;.SH SUPPORTED PARAMETERS&#10;</xsl:text>
  <xsl:for-each select="parameters/parameter">
    <xsl:text>.TP&#10;\fB</xsl:text><xsl:value-of select="@name"/><xsl:text>\fR&#10;</xsl:text>
    <xsl:call-template name="roff"><xsl:with-param name="s" select="shortdesc"/></xsl:call-template>
    <xsl:text>. </xsl:text>
    <xsl:call-template name="roff"><xsl:with-param name="s" select="longdesc"/></xsl:call-template>
    <xsl:text>&#10;.br&#10;(</xsl:text>
    <xsl:choose><xsl:when test="@required = '1'">required</xsl:when><xsl:otherwise>optional</xsl:otherwise></xsl:choose>
    <xsl:if test="@unique = '1'">, unique</xsl:if>
    <xsl:text>, </xsl:text><xsl:value-of select="content/@type"/>
    <xsl:if test="content/@default">
      <xsl:text>, default "</xsl:text><xsl:value-of select="content/@default"/><xsl:text>"</xsl:text>
    </xsl:if>
    <xsl:text>)&#10;</xsl:text>
  </xsl:for-each>
  <xsl:text>.SH SUPPORTED ACTIONS&#10;This agent supports the following operations, with these default timeouts and intervals:&#10;</xsl:text>
  <xsl:for-each select="actions/action">
    <xsl:text>.TP&#10;\fB</xsl:text><xsl:value-of select="@name"/><xsl:text>\fR&#10;timeout </xsl:text>
    <xsl:value-of select="@timeout"/>
    <xsl:if test="@interval"><xsl:text>, interval </xsl:text><xsl:value-of select="@interval"/></xsl:if>
    <xsl:if test="@depth"><xsl:text>, depth (OCF_CHECK_LEVEL) </xsl:text><xsl:value-of select="@depth"/></xsl:if>
    <xsl:text>&#10;</xsl:text>
  </xsl:for-each>
</xsl:template>
</xsl:stylesheet>
